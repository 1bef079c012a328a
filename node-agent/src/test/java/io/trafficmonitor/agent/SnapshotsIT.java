package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.agent.RealtimeReport;
import io.trafficmonitor.api.agent.SummaryReport;
import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The agent's two snapshots of a monitor at {@code interval: 10ms} on a real kernel, while two pods
 * exchange UDP in bursts: the summary's totals grow by exactly what was sent (in all, pod a's sent
 * bytes, pod b's received ones), and the realtime rates are the window's records added up over
 * their durations, its top flows those of the last status entry.
 */
class SnapshotsIT {
  static final int UDP_IPV4_HEADERS = 28;

  @RegisterExtension
  static final AgentOnTestNode site = new AgentOnTestNode("tm-snapshots-", "tmsn");

  static TestNode.TestPod a;
  static TestNode.TestPod b;
  static Agent agent;

  @BeforeAll
  static void setUp() throws Exception {
    a = site.addPod("a", 2, "web");
    b = site.addPod("b", 3, "web");
    site.client().resource(Cluster.monitor(site.namespace(), "web", "web", "10ms")).create();
    agent = site.startAgent();
  }

  static SummaryReport.Totals pod(SummaryReport s, String name) {
    return s.pods().stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElse(new SummaryReport.Totals(site.namespace(), name, 0, 0, 0, 0));
  }

  @Test
  void theSummaryGrowsByWhatWasSentAndTheRatesAreTheLastRecords() throws Exception {
    Wait.until(
        "both pods attached",
        Duration.ofSeconds(30),
        () ->
            agent.summary(site.namespace(), "web") != null
                && agent.report().monitors().stream()
                    .anyMatch(e -> e.status().getPods() != null && e.status().getPods() == 2));
    assertThat(agent.summary(site.namespace(), "other")).as("not served").isNull();
    assertThat(agent.realtime(site.namespace(), "other")).isNull();
    SummaryReport before = agent.summary(site.namespace(), "web");
    int bursts = 20;
    int count = 25;
    int size = 200;
    for (int i = 0; i < bursts; i++) {
      a.sendUdp(b, 7500 + i, 7005, count, size);
      Thread.sleep(50);
    }
    RealtimeReport rates =
        agent.realtime(site.namespace(), "web"); // within a second of the last burst
    long sent = (long) bursts * count;
    long sentBytes = sent * (size + UDP_IPV4_HEADERS);
    Wait.until(
        "every datagram counted",
        Duration.ofSeconds(5),
        () -> agent.summary(site.namespace(), "web").txPackets() - before.txPackets() >= sent);
    Thread.sleep(100); // ten more collections: nothing more may come
    SummaryReport after = agent.summary(site.namespace(), "web");

    ToLongFunction<SummaryReport> aTx = s -> pod(s, "a").txBytes();
    ToLongFunction<SummaryReport> bRx = s -> pod(s, "b").rxBytes();
    assertThat(after.txPackets() - before.txPackets()).isEqualTo(sent);
    assertThat(after.rxPackets() - before.rxPackets()).isEqualTo(sent);
    assertThat(after.txBytes() - before.txBytes()).isEqualTo(sentBytes);
    assertThat(after.rxBytes() - before.rxBytes()).isEqualTo(sentBytes);
    assertThat(aTx.applyAsLong(after) - aTx.applyAsLong(before)).as("a sent").isEqualTo(sentBytes);
    assertThat(bRx.applyAsLong(after) - bRx.applyAsLong(before))
        .as("b received")
        .isEqualTo(sentBytes);
    assertThat(pod(after, "a").txPackets() - pod(before, "a").txPackets()).isEqualTo(sent);
    assertThat(after.restored()).isFalse();
    assertThat(Instant.parse(after.since())).isBefore(Instant.parse(after.at()));
    assertThat(after.since()).isEqualTo(before.since());

    // The rates: the window's records, added up and divided by their durations.
    RealtimeReport.Window w = rates.window();
    assertThat(w.durationNanos()).isGreaterThanOrEqualTo(RealtimeReport.WINDOW_NANOS);
    List<IntervalReport.Interval> records =
        agent.intervals(site.namespace(), "web", w.first() - 1).records().stream()
            .filter(r -> r.seq() <= w.last())
            .toList();
    assertThat(records).hasSize((int) (w.last() - w.first() + 1));
    assertThat(records.stream().mapToLong(IntervalReport.Interval::durationNanos).sum())
        .isEqualTo(w.durationNanos());
    double seconds = w.durationNanos() / 1e9;
    long windowTx = records.stream().mapToLong(IntervalReport.Interval::txBytes).sum();
    long windowRxPackets = records.stream().mapToLong(IntervalReport.Interval::rxPackets).sum();
    assertThat(windowTx).as("bursts in the last second").isPositive();
    assertThat(rates.total().txBytesPerSecond()).isCloseTo(windowTx / seconds, within(1e-6));
    assertThat(rates.total().rxPacketsPerSecond())
        .isCloseTo(windowRxPackets / seconds, within(1e-6));
    long aWindowTx =
        records.stream()
            .flatMap(r -> r.pods().stream())
            .filter(p -> p.name().equals("a"))
            .mapToLong(IntervalReport.Counts::txBytes)
            .sum();
    RealtimeReport.Rates aRates =
        rates.pods().stream().filter(p -> p.name().equals("a")).findFirst().orElseThrow();
    assertThat(aRates.txBytesPerSecond()).isCloseTo(aWindowTx / seconds, within(1e-6));
    assertThat(aRates.namespace()).isEqualTo(site.namespace());

    // The top flows: the last status entry's. They are the traffic since the status round before,
    // so an automatic round (every second) between the sending and the entry takes them: again.
    NodeStatus st = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      a.sendUdp(b, 7600, 7005, count, size); // traffic since the last status round
      Thread.sleep(100);
      st = agent.writeStatusNow();
      if (st.getTopFlows() != null && st.getTopFlows().stream().anyMatch(SnapshotsIT::isSentFlow)) {
        break;
      }
    }
    assertThat(st.getTopFlows())
        .as("the entry written after the traffic")
        .anyMatch(SnapshotsIT::isSentFlow);
    RealtimeReport now = agent.realtime(site.namespace(), "web");
    if (st.getLastUpdate().equals(now.topFlowsAt())) { // else a status round came in between
      assertThat(now.topFlows()).isEqualTo(st.getTopFlows());
    }
    System.out.printf(
        "SnapshotsIT: summary grew by %d packets, %d bytes each way (sent %d, %d), exact; before:"
            + " %d tx bytes since %s; realtime window %d..%d (%d records, %.3f s): a sent %.0f"
            + " B/s, in all %.0f B/s tx, %.1f packets/s rx, as the records say; %d top flows as"
            + " of %s%n",
        after.txPackets() - before.txPackets(),
        after.txBytes() - before.txBytes(),
        sent,
        sentBytes,
        before.txBytes(),
        before.since(),
        w.first(),
        w.last(),
        records.size(),
        seconds,
        aRates.txBytesPerSecond(),
        rates.total().txBytesPerSecond(),
        rates.total().rxPacketsPerSecond(),
        now.topFlows().size(),
        now.topFlowsAt());
  }

  private static boolean isSentFlow(Flow f) {
    return "UDP".equals(f.getProtocol()) && Integer.valueOf(7005).equals(f.getDestinationPort());
  }
}
