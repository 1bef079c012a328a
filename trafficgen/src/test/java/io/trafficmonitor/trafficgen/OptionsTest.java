package io.trafficmonitor.trafficgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

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
    Path cfg = dir.resolve("load.toml");
    Files.writeString(
        cfg,
        """
        protocol = "udp"
        [client]
        target = "10.0.0.2:9000"
        rate = "5Mbit"
        count = 10
        size = 100
        """);
    Options o = Options.parse(new String[] {"client", "--config", cfg.toString(), "--size=200"});
    assertThat(o.protocol()).isEqualTo("udp");
    assertThat(o.address().getPort()).isEqualTo(9000);
    assertThat(o.rateBitsPerSecond()).isEqualTo(5_000_000);
    assertThat(o.size()).isEqualTo(200);
    assertThat(o.byteLimit()).isEqualTo(2000);
  }

  @Test
  void oneFileServesBothModes(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("pair.toml");
    Files.writeString(
        cfg,
        """
        # both sides
        protocol = "https"
        latency = "2ms"       # the server delays each answer, the client each request
        target = "h:443"      # the client's, at the top: the server ignores it

        [server]
        listen = "127.0.0.1:8443"
        latency = '5ms'

        [client]
        insecure = true
        rate = 1.5e6          # bit/s
        total = "10MB"
        connections = 2
        quiet = true
        """);
    Options server = Options.parse(new String[] {"server", "--config", cfg.toString()});
    assertThat(server.protocol()).isEqualTo("https");
    assertThat(server.address().getPort()).isEqualTo(8443);
    assertThat(server.latency()).isEqualTo(Duration.ofMillis(5)); // [server] wins over the top
    assertThat(server.quiet()).isFalse();

    Options client =
        Options.parse(new String[] {"client", "--config", cfg.toString(), "--connections", "3"});
    assertThat(client.address().getHostString()).isEqualTo("h");
    assertThat(client.latency()).isEqualTo(Duration.ofMillis(2));
    assertThat(client.insecure()).isTrue();
    assertThat(client.rateBitsPerSecond()).isEqualTo(1_500_000);
    assertThat(client.totalBytes()).isEqualTo(10_000_000);
    assertThat(client.connections()).isEqualTo(3); // the flag wins
    assertThat(client.quiet()).isTrue();
  }

  @Test
  void configErrorsNameTheLine(@TempDir Path dir) throws Exception {
    assertThat(configError(dir, "protocol = \"udp\"\ncolour = \"red\"\n"))
        .startsWith(dir.resolve("c.toml") + ":2: colour is not a setting; known: [");
    assertThat(configError(dir, "[server]\ntarget = \"h:1\"\n"))
        .endsWith(":2: target is a client setting: it belongs in [client] or at the top");
    assertThat(configError(dir, "[client]\nlisten = \"h:1\"\n"))
        .endsWith(":2: listen is a server setting: it belongs in [server] or at the top");
    assertThat(configError(dir, "\n[clients]\n"))
        .endsWith(":2: unknown table [clients]; the tables are [client] and [server]");
    assertThat(configError(dir, "[client]\nconnections = \"4\"\n"))
        .endsWith(":2: connections needs an integer, not a string");
    assertThat(configError(dir, "duration = 30\n"))
        .endsWith(":1: duration needs a string, not an integer");
    assertThat(configError(dir, "quiet = \"yes\"\n"))
        .endsWith(":1: quiet needs true or false, not a string");
    assertThat(configError(dir, "protocol=udp\n"))
        .endsWith(
            ":1: 'udp' is not a string, decimal integer, float or boolean"
                + " (strings take quotes: \"udp\")");
    assertThat(configError(dir, "config = \"other.toml\"\n")).contains(":1: config is not a");
    // a value of the right type but wrong content: where it came from, what was expected
    assertThat(configError(dir, "# rate\n\n[client]\nrate = \"fast\"\n"))
        .endsWith(":4: rate = fast: expected a rate such as 10Mbit, 2MB/s or 800 (bit/s)");
    assertThatThrownBy(
            () -> Options.parse(new String[] {"client", "--config", dir + "/missing.toml"}))
        .hasMessageStartingWith("cannot read config " + dir + "/missing.toml");
  }

  private static String configError(Path dir, String toml) throws Exception {
    Path cfg = dir.resolve("c.toml");
    Files.writeString(cfg, toml);
    String[] args = {"client", "--config", cfg.toString(), "--target", "h:1", "--count", "1"};
    Throwable t = catchThrowable(() -> Options.parse(args));
    assertThat(t).isInstanceOf(IllegalArgumentException.class);
    return t.getMessage();
  }

  @Test
  void httpsAndInsecure() {
    Options o =
        Options.parse("client --protocol HTTPS --target h:1 --count 1 --insecure".split(" "));
    assertThat(o.protocol()).isEqualTo("https");
    assertThat(o.insecure()).isTrue();
    assertThat(Options.parse("server --protocol https".split(" ")).insecure()).isFalse();
    assertThatThrownBy(
            () ->
                Options.parse(
                    "client --protocol http --target h:1 --count 1 --insecure".split(" ")))
        .hasMessage("insecure applies to protocol https only");
  }

  @Test
  void refusesWhatItCannotDo() {
    assertThatThrownBy(() -> Options.parse(new String[] {"send"}))
        .hasMessageContaining("client or server");
    assertThatThrownBy(() -> Options.parse(new String[] {"client", "--target", "h:1"}))
        .hasMessageContaining("--duration, --total or --count");
    assertThatThrownBy(() -> Options.parse(new String[] {"client", "--protocol", "sctp"}))
        .hasMessage("--protocol sctp: expected tcp, udp, http or https");
    assertThatThrownBy(() -> Options.parse("client --target h:1 --count 1 --rate fast".split(" ")))
        .hasMessage("--rate fast: expected a rate such as 10Mbit, 2MB/s or 800 (bit/s)");
    assertThatThrownBy(() -> Options.parse("client --target h --count 1".split(" ")))
        .hasMessage("--target h: expected host:port");
    assertThatThrownBy(() -> Options.parse("server --quiet=yes".split(" ")))
        .hasMessage("--quiet yes: expected true or false");
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
