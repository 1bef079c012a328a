package io.trafficmonitor.plugin.top;

import static io.trafficmonitor.plugin.top.Records.pod;
import static io.trafficmonitor.plugin.top.Records.seen;
import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.plugin.top.PodRates.Row;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodRatesTest {
  static final long MS10 = 10_000_000L;
  static final long S1 = 1_000_000_000L;

  @Test
  void ratesAreOverEachNodesNewestSecondOfRecords() {
    PodRates rates = new PodRates(S1);
    // 150 records of 10 ms on node-a: the first 50 carry 10x more and fall out of the window
    for (int i = 1; i <= 150; i++) {
      long bytes = i <= 50 ? 12_500 : 1_250;
      rates.add(
          seen(
              "node-a",
              i,
              MS10,
              List.of(pod("demo", "web-1", bytes, bytes / 2, 10, 5)),
              List.of()));
    }
    // one record of 1 s on node-b: its own window
    rates.add(
        seen(
            "node-b",
            1,
            S1,
            List.of(pod("demo", "db-0", 125_000, 0, 100, 0)),
            List.of(pod(null, "eth0", 0, 250_000, 0, 200))));

    assertThat(rates.records()).isEqualTo(151);
    assertThat(rates.nodes()).containsExactly("node-a", "node-b");
    assertThat(rates.coveredNanos()).isEqualTo(S1);
    assertThat(rates.intervalNanos()).isEqualTo(S1);
    // 1,250 bytes every 10 ms = 1 Mbit/s; 10 packets every 10 ms = 1,000/s
    assertThat(rates.rows())
        .containsExactlyInAnyOrder(
            new Row("demo/web-1", 1_000_000, 500_000, 1000, 500),
            new Row("demo/db-0", 1_000_000, 0, 100, 0),
            new Row("node-b:eth0", 0, 2_000_000, 0, 200));
    Row total = rates.total();
    assertThat(total.rxBits()).isEqualTo(2_000_000);
    assertThat(total.txBits()).isEqualTo(2_500_000);
    assertThat(total.rxPackets()).isEqualTo(1100);
  }

  @Test
  void anIntervalLongerThanTheWindowKeepsItsNewestRecord() {
    PodRates rates = new PodRates(S1);
    rates.add(seen("n", 1, 10 * S1, List.of(pod("a", "p", 1_000, 0, 1, 0)), List.of()));
    rates.add(seen("n", 2, 10 * S1, List.of(pod("a", "p", 10_000, 0, 10, 0)), List.of()));
    assertThat(rates.rows()).containsExactly(new Row("a/p", 8_000, 0, 1, 0));
  }
}
