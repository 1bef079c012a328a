package io.trafficmonitor.trafficgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The built jar, both sides on loopback: the client's summary equals what the server counted. */
class TrafficGenIT {
  private static final Path JAR = Path.of("target/trafficgen.jar");

  private static Process start(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("java", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static long field(String summary, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(summary);
    assertThat(m.find()).as(name + " in " + summary).isTrue();
    return Long.parseLong(m.group(1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"udp", "tcp", "http"})
  void clientSummaryEqualsWhatTheServerReceived(String protocol) throws Exception {
    Process server = start("server", "--protocol", protocol, "--listen", "127.0.0.1:0", "--quiet");
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String listening = out.readLine();
      assertThat(listening).startsWith("LISTENING 127.0.0.1:");
      String target = listening.substring("LISTENING ".length());

      Process client =
          start(
              "client",
              "--protocol",
              protocol,
              "--target",
              target,
              "--count",
              "300",
              "--size",
              "1000",
              "--connections",
              "3",
              "--rate",
              "50Mbit");
      assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
      String clientOut = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(client.exitValue()).as(clientOut).isZero();
      String clientSummary =
          clientOut.lines().filter(l -> l.startsWith("SUMMARY")).findFirst().orElseThrow();

      Thread.sleep(300); // the last datagrams land
      server.toHandle().destroy(); // SIGTERM, streams kept open: the server prints its summary
      assertThat(server.waitFor(10, TimeUnit.SECONDS)).isTrue();
      String serverSummary =
          out.lines().filter(l -> l.startsWith("SUMMARY")).findFirst().orElseThrow();

      assertThat(field(clientSummary, "messages")).isEqualTo(300);
      assertThat(field(clientSummary, "connections")).isEqualTo(3);
      assertThat(field(serverSummary, "payloadBytes"))
          .isEqualTo(field(clientSummary, "payloadBytes"));
      switch (protocol) {
        case "udp" -> {
          assertThat(field(clientSummary, "payloadBytes")).isEqualTo(300_000);
          assertThat(field(clientSummary, "l3Bytes")).isEqualTo(300 * (1000 + 8 + 20));
          assertThat(field(serverSummary, "messages")).isEqualTo(300);
        }
        case "tcp" -> assertThat(field(clientSummary, "payloadBytes")).isEqualTo(300_000);
        default -> {
          assertThat(field(serverSummary, "responses")).isEqualTo(300);
          assertThat(field(clientSummary, "responseBytes"))
              .isEqualTo(field(serverSummary, "responseBytes"));
        }
      }
    } finally {
      server.destroyForcibly();
    }
  }
}
