package io.trafficmonitor.agent.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.agent.collect.IntervalRecords;
import io.trafficmonitor.agent.collect.MonitorView;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.api.agent.RealtimeReport;
import io.trafficmonitor.api.agent.SummaryReport;
import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.HeavyPrefix;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.PrefixDirection;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent API's snapshots made from known records, status entries and totals. */
class SnapshotsTest {
  static final long MS = 1_000_000L;
  static final Snapshots.Monitor WEB = new Snapshots.Monitor("node-1", "shop", "web");
  static final Instant AT = Instant.parse("2026-11-30T21:00:00.123456789Z");

  final Target podA = Target.podCgroup("shop", "a");
  final Target podB = Target.podCgroup("shop", "b");
  final Target eth0 = Target.nodeInterface("eth0");

  @Test
  void ratesAreTheWindowsCountsOverItsDuration() {
    List<IntervalRecords.Record> window =
        List.of(
            new IntervalRecords.Record(
                41,
                AT.toEpochMilli() * MS - 250 * MS,
                250 * MS,
                1000,
                2000,
                10,
                20,
                List.of(
                    new IntervalRecords.TargetCounts(podA, 0, 2000, 0, 20),
                    new IntervalRecords.TargetCounts(podB, 1000, 0, 10, 0))),
            new IntervalRecords.Record(
                42,
                AT.toEpochMilli() * MS,
                250 * MS,
                3000,
                500,
                30,
                5,
                List.of(
                    new IntervalRecords.TargetCounts(podB, 2000, 0, 20, 0),
                    new IntervalRecords.TargetCounts(eth0, 1000, 500, 10, 5))));
    RealtimeReport r = Snapshots.realtime(WEB, 250 * MS, 10_000 * MS, window, null, AT);

    assertThat(r.window())
        .isEqualTo(new RealtimeReport.Window(41, 42, "2026-11-30T21:00:00.123Z", 500 * MS));
    assertThat(r.total()).isEqualTo(new RealtimeReport.Rates(null, null, 8000, 5000, 80, 50));
    assertThat(r.pods())
        .containsExactly(
            new RealtimeReport.Rates("shop", "a", 0, 4000, 0, 40),
            new RealtimeReport.Rates("shop", "b", 6000, 0, 60, 0));
    assertThat(r.interfaces())
        .containsExactly(new RealtimeReport.Rates(null, "eth0", 2000, 1000, 20, 10));
    assertThat(r.at()).isEqualTo("2026-11-30T21:00:00.123456789Z");
    assertThat(r.intervalNanos()).isEqualTo(250 * MS);
    assertThat(r.topFlows()).as("no status entry yet").isEmpty();
    assertThat(r.topFlowsAt()).isNull();
    assertThat(r.heavyPrefixes()).isNull();
  }

  @Test
  void theTopFlowsAreTheLastStatusEntrysAsTheyAre() {
    Flow f = new Flow();
    f.setSource("10.1.0.1");
    f.setDestination("10.1.0.2");
    f.setSourcePort(40000);
    f.setDestinationPort(443);
    f.setProtocol("TCP");
    f.setApplication("https");
    f.setBytes(12_345L);
    f.setPackets(12L);
    f.setBitsPerSecond(9_876L);
    NodeStatus st = new NodeStatus();
    st.setLastUpdate("2026-11-30T20:59:55Z");
    st.setTopFlows(List.of(f));
    RealtimeReport r = Snapshots.realtime(WEB, 10 * MS, 10_000 * MS, List.of(), st, AT);

    assertThat(r.topFlows()).containsExactly(f);
    assertThat(r.topFlowsAt()).isEqualTo("2026-11-30T20:59:55Z");
    assertThat(r.statusIntervalNanos()).isEqualTo(10_000 * MS);
    assertThat(r.window()).as("no record closed yet").isNull();
    assertThat(r.total()).isNull();
    RealtimeReport back = Serialization.unmarshal(Serialization.asJson(r), RealtimeReport.class);
    assertThat(back.topFlows().get(0).getBitsPerSecond()).isEqualTo(9_876L);
    assertThat(Serialization.asJson(r)).contains("\"application\":\"https\"");
    assertThat(r.heavyPrefixes()).as("the monitor asks for no prefixes").isNull();
    assertThat(Serialization.asJson(r)).doesNotContain("heavyPrefixes");
  }

  @Test
  void theHeavyPrefixesAreTheLastStatusEntrysAsTheyAre() {
    HeavyPrefix src = new HeavyPrefix(PrefixDirection.Source, "10.1.0.0/16", 6_000L, 9_000L, 0.4);
    HeavyPrefix dst =
        new HeavyPrefix(PrefixDirection.Destination, "2001:db8::/32", 3_000L, 3_000L, 0.2);
    NodeStatus st = new NodeStatus();
    st.setLastUpdate("2026-11-30T20:59:55Z");
    st.setTopFlows(List.of());
    st.setHeavyPrefixes(List.of(src, dst));
    RealtimeReport r = Snapshots.realtime(WEB, 10 * MS, 10_000 * MS, List.of(), st, AT);

    assertThat(r.heavyPrefixes()).containsExactly(src, dst);
    RealtimeReport back = Serialization.unmarshal(Serialization.asJson(r), RealtimeReport.class);
    assertThat(back.heavyPrefixes())
        .extracting(HeavyPrefix::getDirection, HeavyPrefix::getPrefix, HeavyPrefix::getShare)
        .containsExactly(
            tuple(PrefixDirection.Source, "10.1.0.0/16", 0.4),
            tuple(PrefixDirection.Destination, "2001:db8::/32", 0.2));
    assertThat(back.heavyPrefixes().get(0).getTotalBytes()).isEqualTo(9_000L);
  }

  @Test
  void theSummaryIsTheTotalsPerPodAndInterfaceAndInAll() {
    long since = Instant.parse("2026-11-30T20:00:00Z").getEpochSecond() * 1_000_000_000L;
    MonitorView.Totals t =
        new MonitorView.Totals(
            since,
            true,
            3000,
            4500,
            30,
            45,
            List.of(
                new IntervalRecords.TargetCounts(podA, 0, 4000, 0, 40),
                new IntervalRecords.TargetCounts(eth0, 1000, 500, 10, 5),
                new IntervalRecords.TargetCounts(podB, 2000, 0, 20, 0)));
    SummaryReport s = Snapshots.summary(WEB, t, AT);

    assertThat(s)
        .isEqualTo(
            new SummaryReport(
                "node-1",
                "shop",
                "web",
                "2026-11-30T20:00:00Z",
                true,
                "2026-11-30T21:00:00.123456789Z",
                3000,
                4500,
                30,
                45,
                List.of(
                    new SummaryReport.Totals("shop", "a", 0, 4000, 0, 40),
                    new SummaryReport.Totals("shop", "b", 2000, 0, 20, 0)),
                List.of(new SummaryReport.Totals(null, "eth0", 1000, 500, 10, 5))));
    assertThat(Serialization.unmarshal(Serialization.asJson(s), SummaryReport.class)).isEqualTo(s);
  }
}
