package io.trafficmonitor.trafficgen;

import static io.trafficmonitor.trafficgen.Jar.field;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * --rate paces the payload: a UDP client held at a rate for 2 s achieves it within 2% (the
 * SUMMARY's payloadBytes * 8 / seconds, seconds being the client's whole run).
 */
class PacingIT {

  @ParameterizedTest
  @CsvSource({"800kbit, 800000", "8Mbit, 8000000"})
  void achievesTheAskedRateWithinTwoPercent(String rate, long bitsPerSecond) throws Exception {
    // A bound socket that nobody reads: the kernel drops what overflows its buffer, silently, so
    // the client sends into it as into a server and no ICMP error comes back.
    try (DatagramSocket sink = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      String summary =
          Jar.client(
              "--protocol",
              "udp",
              "--target",
              "127.0.0.1:" + sink.getLocalPort(),
              "--size",
              "1000",
              "--rate",
              rate,
              "--duration",
              "2s");
      double achieved = field(summary, "payloadBytes") * 8 / Jar.seconds(summary);
      double error = achieved / bitsPerSecond - 1;
      System.out.printf(
          Locale.ROOT,
          "PacingIT %s: %.0f bit/s over %.3f s, error %+.3f%%%n",
          rate,
          achieved,
          Jar.seconds(summary),
          error * 100);
      assertThat(field(summary, "errors")).isZero();
      assertThat(Math.abs(error)).as("pacing error at " + rate + ": " + summary).isLessThan(0.02);
    }
  }
}
