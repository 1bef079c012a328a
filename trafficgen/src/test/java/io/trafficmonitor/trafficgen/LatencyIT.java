package io.trafficmonitor.trafficgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** --latency: a server answers no sooner than it says, a client sends no faster. */
class LatencyIT {
  private static final Duration LATENCY = Duration.ofMillis(100);

  @ParameterizedTest
  @ValueSource(strings = {"http", "https"})
  void serverAnswersNoSoonerThanItsLatency(String protocol) throws Exception {
    try (Jar.Server server = new Jar.Server(protocol, "--latency", "100ms")) {
      Options o =
          Options.parse(
              new String[] {
                "client",
                "--protocol",
                protocol,
                "--target",
                server.target,
                "--count",
                "1",
                "--insecure=" + protocol.equals("https")
              });
      Socket plain = new Socket(o.address().getAddress(), o.address().getPort());
      plain.setTcpNoDelay(true);
      try (Socket s =
          protocol.equals("https") ? Tls.connect(plain, o, Tls.clientContext(true)) : plain) {
        OutputStream out = s.getOutputStream();
        InputStream in = new BufferedInputStream(s.getInputStream());
        byte[] request =
            "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nX-Response-Size: 10\r\n\r\nabc"
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 3; i++) {
          long sent = System.nanoTime();
          out.write(request);
          out.flush();
          long got = Http.readMessage(in, null);
          Duration took = Duration.ofNanos(System.nanoTime() - sent);
          System.out.println("LatencyIT " + protocol + " response " + i + " after " + took);
          assertThat(got).as("response " + i).isPositive();
          assertThat(took)
              .as("response " + i)
              .isGreaterThanOrEqualTo(LATENCY)
              .isLessThan(LATENCY.plusSeconds(2)); // generous: 2 cores shared with other tests
        }
      }
    }
  }

  @Test
  void clientWaitsItsLatencyBeforeEachMessage() throws Exception {
    try (DatagramSocket sink = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      String summary =
          Jar.client(
              "--protocol",
              "udp",
              "--target",
              "127.0.0.1:" + sink.getLocalPort(),
              "--count",
              "5",
              "--latency",
              "100ms");
      assertThat(Jar.field(summary, "messages")).isEqualTo(5);
      assertThat(Jar.seconds(summary)).isGreaterThanOrEqualTo(0.5);
    }
  }
}
