package io.trafficmonitor.plugin.top;

import static io.trafficmonitor.plugin.top.Records.pod;
import static io.trafficmonitor.plugin.top.Records.seen;
import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.v1alpha1.HeavyPrefix;
import io.trafficmonitor.api.v1alpha1.PrefixDirection;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.plugin.Options.SortKey;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopScreenTest {
  static final long MS10 = 10_000_000L;
  static final Instant NOW = Instant.parse("2026-11-30T12:00:10Z");

  static Frame frame(PodRates rates, ViewState state, StatusSnapshot status) {
    return new Frame(
        "shop/web",
        rates.intervalNanos(),
        rates.nodes(),
        rates.coveredNanos(),
        rates.records(),
        rates.total(),
        state.apply(rates.rows()),
        state,
        status,
        null,
        null,
        NOW);
  }

  static PodRates rates(int pods) {
    PodRates rates = new PodRates(1_000_000_000L);
    for (int seq = 1; seq <= 100; seq++) {
      int s = seq;
      rates.add(
          seen(
              "node-a",
              s,
              MS10,
              IntStream.range(0, pods)
                  .mapToObj(
                      p -> pod("shop", "pod-" + p, 1_250L * (p + 1), 125L * (p + 1), p + 1, 1))
                  .toList(),
              List.of()));
    }
    return rates;
  }

  @Test
  void theHeaderTableAndStatusWithRatesFromTheRecords() {
    List<String> lines =
        TopScreen.render(
            frame(
                rates(2),
                new ViewState(SortKey.RX, false, ""),
                StatusSnapshot.of(Demo.monitor(NOW.minusSeconds(3)))),
            120,
            0);
    String text = String.join("\n", lines);

    assertThat(lines.get(0))
        .startsWith("kubectl tm top  shop/web  interval 10ms  nodes 1 (node-a)")
        .endsWith("12:00:10 UTC");
    assertThat(lines.get(0)).hasSize(120);
    // pod-0: 1,250 B / 10 ms = 1 Mbit/s; pod-1 2 Mbit/s; total 3 Mbit/s
    assertThat(lines.get(1))
        .startsWith(
            "RX 3.00 Mbit/s 300 pkt/s   TX 300 kbit/s 200 pkt/s   over the last 1s of records (100 read)");
    assertThat(lines.get(2)).startsWith("sort rx (busiest first)  filter none");
    assertThat(text)
        .containsSubsequence(
            "POD / NODE:INTERFACE",
            "RX BIT/S",
            "shop/pod-1",
            "2.00 Mbit/s",
            "200 kbit/s",
            "200",
            "100",
            "shop/pod-0",
            "1.00 Mbit/s");
    assertThat(text)
        .contains("TOP FLOWS  from status.summary, written 3s ago (every 5s)")
        .contains(
            "10.244.1.12:43122       10.244.2.7:8080         TCP   HTTP   shop/frontend-7d9f8-x2kq9")
        .contains("412 Mbit/s")
        .contains(
            "LOSS  sequence: 1,000,000 received, 12 lost (0.001%)   retransmits 341   drops 17   TCP open 42   flows 1,284");
    assertThat(lines).allMatch(l -> l.length() <= 120);
  }

  @Test
  void aNarrowScreenCutsLinesAndAShortOneCutsThePodTable() {
    PodRates rates = rates(30);
    List<String> lines =
        TopScreen.render(frame(rates, new ViewState(SortKey.NAME, false, ""), null), 80, 24);

    assertThat(lines).hasSizeLessThanOrEqualTo(24).allMatch(l -> l.length() <= 80);
    assertThat(lines).anyMatch(l -> l.matches("\\.\\.\\. \\d+ more \\(/ filters\\)"));
    assertThat(lines).contains("STATUS  not read yet");
    assertThat(lines.stream().filter(l -> l.startsWith("shop/pod-")).findFirst())
        .hasValue(lines.get(5));
    assertThat(lines.get(5)).startsWith("shop/pod-0 ");
  }

  @Test
  void theFilterBeingTypedAndNoMatch() {
    ViewState s = new ViewState(SortKey.RX, false, "nothing");
    List<String> lines = TopScreen.render(frame(rates(2), s, null), 100, 0);
    assertThat(lines).contains("(no pod matches)");
    assertThat(lines.get(2)).startsWith("sort rx (busiest first)  filter \"nothing\"");
    s.key('/');
    s.key('p');
    assertThat(TopScreen.render(frame(rates(2), s, null), 100, 0).get(2))
        .isEqualTo("filter: p_   (Enter applies, Esc clears)");
  }

  @Test
  void heavyPrefixesAreCutToTenAndToTheWidth() {
    TrafficMonitor m = Demo.monitor(NOW.minusSeconds(3));
    m.getStatus()
        .getSummary()
        .setHeavyPrefixes(
            IntStream.range(0, 14)
                .mapToObj(
                    i ->
                        new HeavyPrefix(
                            PrefixDirection.Destination,
                            "2001:db8:" + Integer.toHexString(i) + "::ffff:ffff:ffff/128",
                            1_000L * (i + 1),
                            1_000L * (i + 1),
                            (i + 1) / 100.0))
                .toList());
    List<String> lines =
        TopScreen.render(
            frame(rates(2), new ViewState(SortKey.RX, false, ""), StatusSnapshot.of(m)), 60, 0);

    List<String> rows = lines.stream().filter(l -> l.startsWith("destination")).toList();
    assertThat(rows).hasSize(PrefixSection.MAX_PREFIXES);
    assertThat(rows.get(0)).contains("2001:db8:d::", "14.00%", "14.0 kB");
    assertThat(rows.get(9)).contains("2001:db8:4::", "5.00%");
    assertThat(lines).contains("... 4 more in status.summary.heavyPrefixes");
    assertThat(lines).allMatch(l -> l.length() <= 60);
  }
}
