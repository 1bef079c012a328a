package io.trafficmonitor.trafficgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTest {

  @Test
  void parsesUnits() {
    assertThat(Options.size("1200")).isEqualTo(1200);
    assertThat(Options.size("16Ki")).isEqualTo(16384);
    assertThat(Options.size("10MB")).isEqualTo(10_000_000);
    assertThat(Options.size("1.5k")).isEqualTo(1500);
    assertThat(Options.rate("10Mbit")).isEqualTo(10_000_000);
    assertThat(Options.rate("2MB/s")).isEqualTo(16_000_000);
    assertThat(Options.rate("1.5Gbit")).isEqualTo(1_500_000_000);
    assertThat(Options.duration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Options.duration("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Options.duration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Options.address("[::1]:80").getAddress().getHostAddress())
        .isEqualTo("0:0:0:0:0:0:0:1");
  }

  @Test
  void flagsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("load.properties");
    Files.writeString(cfg, "protocol=udp\ntarget=10.0.0.2:9000\nrate=5Mbit\ncount=10\nsize=100\n");
    Options o = Options.parse(new String[] {"client", "--config", cfg.toString(), "--size=200"});
    assertThat(o.protocol()).isEqualTo("udp");
    assertThat(o.address().getPort()).isEqualTo(9000);
    assertThat(o.rateBitsPerSecond()).isEqualTo(5_000_000);
    assertThat(o.size()).isEqualTo(200);
    assertThat(o.byteLimit()).isEqualTo(2000);
  }

  @Test
  void refusesWhatItCannotDo() {
    assertThatThrownBy(() -> Options.parse(new String[] {"send"}))
        .hasMessageContaining("client or server");
    assertThatThrownBy(() -> Options.parse(new String[] {"client", "--target", "h:1"}))
        .hasMessageContaining("--duration, --total or --count");
    assertThatThrownBy(() -> Options.parse(new String[] {"client", "--protocol", "sctp"}))
        .hasMessageContaining("tcp, udp or http");
    assertThatThrownBy(() -> Options.parse(new String[] {"server", "--colour", "red"}))
        .hasMessageContaining("unknown setting colour");
    assertThatThrownBy(
            () ->
                Options.parse(
                    new String[] {
                      "client",
                      "--protocol",
                      "udp",
                      "--size",
                      "70000",
                      "--target",
                      "h:1",
                      "--count",
                      "1"
                    }))
        .hasMessageContaining("1..65507");
    assertThatThrownBy(
            () ->
                Options.parse(
                    "client --protocol tcp --sequence-offset 0 --target h:1 --count 1".split(" ")))
        .hasMessageContaining("sequence-offset needs udp");
    assertThatThrownBy(
            () ->
                Options.parse(
                    "client --protocol udp --skip-every 10 --target h:1 --count 1".split(" ")))
        .hasMessageContaining("skip-every needs a sequence-offset");
  }

  @Test
  void sequenceNumbersWithSkips() {
    Options o =
        Options.parse(
            "client --protocol udp --size 64 --sequence-offset 4 --skip-every 20 --target h:1"
                .concat(" --count 100")
                .split(" "));
    assertThat(o.sequenceOffset()).isEqualTo(4);
    assertThat(o.skipEvery()).isEqualTo(20);
  }

  @Test
  void countAndTotalTogetherStopAtTheSmaller() {
    Options o =
        Options.parse(
            new String[] {
              "client", "--target", "h:1", "--count", "10", "--size", "100", "--total", "550"
            });
    assertThat(o.byteLimit()).isEqualTo(550);
  }
}
