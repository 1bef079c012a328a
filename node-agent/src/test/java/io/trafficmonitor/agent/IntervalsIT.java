package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.agent.IntervalReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A monitor at {@code interval: 10ms} on a real kernel: while two pods exchange UDP in bursts over
 * about two seconds, a reader that asks the agent for the intervals after the last it saw, as the
 * API's clients do, gets every interval once (numbers without a gap, none missed, each about 10
 * ms), and the records' bytes and packets add up exactly to what was sent, per pod and in all.
 */
class IntervalsIT {
  static final int UDP_IPV4_HEADERS = 28;

  @RegisterExtension
  static final AgentOnTestNode site = new AgentOnTestNode("tm-intervals-", "tmiv");

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

  @Test
  void everyTenMillisecondIntervalOnceAndTheirSumExact() throws Exception {
    Wait.until(
        "both pods attached",
        Duration.ofSeconds(30),
        () -> {
          IntervalReport r = agent.intervals(site.namespace(), "web", 0);
          return r != null
              && agent.report().monitors().stream()
                  .anyMatch(e -> e.status().getPods() != null && e.status().getPods() == 2);
        });
    List<IntervalReport.Interval> seen = new ArrayList<>();
    long last = agent.intervals(site.namespace(), "web", 0).last(); // before the traffic
    boolean missed = false;
    int bursts = 20;
    int count = 25;
    int size = 200;
    for (int i = 0; i < bursts; i++) {
      a.sendUdp(b, 7200 + i, 7002, count, size);
      Thread.sleep(50);
      IntervalReport r = agent.intervals(site.namespace(), "web", last);
      missed |= r.missed();
      seen.addAll(r.records());
      last = r.last();
    }
    long sent = (long) bursts * count;
    long sentBytes = sent * (size + UDP_IPV4_HEADERS);
    Wait.until(
        "the last burst is in an interval",
        Duration.ofSeconds(5),
        () -> {
          IntervalReport r =
              agent.intervals(site.namespace(), "web", seen.get(seen.size() - 1).seq());
          seen.addAll(r.records());
          return seen.stream().mapToLong(IntervalReport.Interval::txPackets).sum() >= sent;
        });

    assertThat(missed).as("no interval dropped before it was read").isFalse();
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i).seq())
          .as("numbers without a gap")
          .isEqualTo(seen.get(i - 1).seq() + 1);
    }
    assertThat(seen.stream().mapToLong(IntervalReport.Interval::txPackets).sum()).isEqualTo(sent);
    assertThat(seen.stream().mapToLong(IntervalReport.Interval::rxPackets).sum()).isEqualTo(sent);
    assertThat(seen.stream().mapToLong(IntervalReport.Interval::txBytes).sum())
        .isEqualTo(sentBytes);
    assertThat(seen.stream().mapToLong(IntervalReport.Interval::rxBytes).sum())
        .isEqualTo(sentBytes);
    long aTx =
        seen.stream()
            .flatMap(r -> r.pods().stream())
            .filter(p -> p.name().equals("a"))
            .mapToLong(IntervalReport.Counts::txBytes)
            .sum();
    long bRx =
        seen.stream()
            .flatMap(r -> r.pods().stream())
            .filter(p -> p.name().equals("b"))
            .mapToLong(IntervalReport.Counts::rxBytes)
            .sum();
    assertThat(aTx).as("pod a sent").isEqualTo(sentBytes);
    assertThat(bRx).as("pod b received").isEqualTo(sentBytes);
    long withTraffic = seen.stream().filter(r -> r.txPackets() > 0).count();
    assertThat(withTraffic).as("the bursts spread over intervals").isGreaterThan(bursts / 2);
    List<Long> durations =
        seen.stream().map(IntervalReport.Interval::durationNanos).sorted().toList();
    long median = durations.get(durations.size() / 2);
    System.out.printf(
        "IntervalsIT: %d intervals read, %d with traffic; duration median %.2f ms, max %.2f ms;"
            + " %d packets, %d bytes each way, exact%n",
        seen.size(),
        withTraffic,
        median / 1e6,
        durations.get(durations.size() - 1) / 1e6,
        sent,
        sentBytes);
    assertThat(median).as("about 10 ms").isBetween(9_000_000L, 15_000_000L);
  }
}
