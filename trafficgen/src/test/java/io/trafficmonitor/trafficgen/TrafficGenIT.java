package io.trafficmonitor.trafficgen;

import static io.trafficmonitor.trafficgen.Jar.field;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The built jar, both sides on loopback: the client's summary equals what the server counted. */
class TrafficGenIT {

  @ParameterizedTest
  @ValueSource(strings = {"udp", "tcp", "http", "https"})
  void clientSummaryEqualsWhatTheServerReceived(String protocol) throws Exception {
    try (Jar.Server server = new Jar.Server(protocol)) {
      if (!protocol.equals("udp")) {
        // a readiness probe: connect and close at once, no error to the server (nor to TLS)
        new Socket(InetAddress.getLoopbackAddress(), Options.address(server.target).getPort())
            .close();
      }
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--protocol",
                  protocol,
                  "--target",
                  server.target,
                  "--count",
                  "300",
                  "--size",
                  "1000",
                  "--connections",
                  "3",
                  "--rate",
                  "50Mbit"));
      if (protocol.equals("https")) {
        args.add("--insecure"); // the server's certificate is self-signed
      }
      String clientSummary = Jar.client(args.toArray(String[]::new));

      Thread.sleep(300); // the last datagrams land
      String serverSummary = server.stop(); // SIGTERM: the server prints its summary

      assertThat(field(clientSummary, "messages")).isEqualTo(300);
      assertThat(field(clientSummary, "connections")).isEqualTo(3);
      assertThat(field(clientSummary, "errors")).isZero();
      assertThat(field(serverSummary, "errors")).isZero();
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
    }
  }

  @Test
  void httpsClientRefusesTheSelfSignedCertificateWithoutInsecure() throws Exception {
    try (Jar.Server server = new Jar.Server("https")) {
      String err =
          Jar.failingClient("--protocol", "https", "--target", server.target, "--count", "1");
      assertThat(err).contains("TLS handshake", "--insecure");
    }
  }
}
