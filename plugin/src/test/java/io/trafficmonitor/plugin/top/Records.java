package io.trafficmonitor.plugin.top;

import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.agent.IntervalReport.Counts;
import io.trafficmonitor.api.agent.IntervalReport.Interval;
import io.trafficmonitor.plugin.live.RecordTracker.Seen;
import java.util.List;

/** Records of known figures for the tests of top. */
final class Records {
  private Records() {}

  static Counts pod(
      String ns, String name, long rxBytes, long txBytes, long rxPackets, long txPackets) {
    return new Counts(ns, name, rxBytes, txBytes, rxPackets, txPackets);
  }

  static Seen seen(
      String node, long seq, long durationNanos, List<Counts> pods, List<Counts> interfaces) {
    long rx =
        pods.stream().mapToLong(Counts::rxBytes).sum()
            + interfaces.stream().mapToLong(Counts::rxBytes).sum();
    long tx =
        pods.stream().mapToLong(Counts::txBytes).sum()
            + interfaces.stream().mapToLong(Counts::txBytes).sum();
    long rxp =
        pods.stream().mapToLong(Counts::rxPackets).sum()
            + interfaces.stream().mapToLong(Counts::rxPackets).sum();
    long txp =
        pods.stream().mapToLong(Counts::txPackets).sum()
            + interfaces.stream().mapToLong(Counts::txPackets).sum();
    Interval i =
        new Interval(
            seq, "2026-11-30T12:00:00Z", durationNanos, rx, tx, rxp, txp, pods, interfaces);
    IntervalReport r =
        new IntervalReport(node, "demo", "web", durationNanos, 1, seq, false, List.of(i));
    return new Seen(r, i, node + ":" + seq);
  }
}
