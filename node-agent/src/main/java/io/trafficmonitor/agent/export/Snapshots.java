package io.trafficmonitor.agent.export;

import io.trafficmonitor.agent.collect.IntervalRecords;
import io.trafficmonitor.agent.collect.MonitorView;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.api.agent.RealtimeReport;
import io.trafficmonitor.api.agent.SummaryReport;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent API's two snapshots of a monitor, made from what the agent already keeps for it: its
 * current rates ({@link RealtimeReport}) from its newest interval records and its last status
 * entry, and its totals ({@link SummaryReport}) from its cumulative series. Pure: tests give known
 * records, entries and totals.
 */
public final class Snapshots {
  private Snapshots() {}

  /** Which monitor on which node. */
  public record Monitor(String node, String namespace, String name) {}

  /**
   * The rates of {@code window} (the newest records, oldest first, as {@link
   * IntervalRecords#latest} gives them: every target's bytes and packets added up, then divided by
   * the records' durations added up) and the top flows and heavy prefixes of {@code lastStatus}
   * (null: none yet).
   */
  public static RealtimeReport realtime(
      Monitor m,
      long intervalNanos,
      long statusIntervalNanos,
      List<IntervalRecords.Record> window,
      NodeStatus lastStatus,
      Instant at) {
    RealtimeReport.Window w = null;
    RealtimeReport.Rates total = null;
    List<RealtimeReport.Rates> pods = new ArrayList<>();
    List<RealtimeReport.Rates> interfaces = new ArrayList<>();
    if (!window.isEmpty()) {
      long duration = 0;
      long[] all = new long[4];
      Map<Target, long[]> byTarget = new LinkedHashMap<>();
      for (IntervalRecords.Record r : window) {
        duration += r.durationNanos();
        add(all, r.rxBytes(), r.txBytes(), r.rxPackets(), r.txPackets());
        for (IntervalRecords.TargetCounts c : r.targets()) {
          add(
              byTarget.computeIfAbsent(c.target(), t -> new long[4]),
              c.rxBytes(),
              c.txBytes(),
              c.rxPackets(),
              c.txPackets());
        }
      }
      IntervalRecords.Record newest = window.get(window.size() - 1);
      w =
          new RealtimeReport.Window(
              window.get(0).seq(), newest.seq(), instant(newest.endEpochNanos()), duration);
      total = rates(null, null, all, duration);
      for (Map.Entry<Target, long[]> e : byTarget.entrySet()) {
        Target t = e.getKey();
        boolean pod = t.kind() == Target.Kind.POD_CGROUP;
        (pod ? pods : interfaces)
            .add(
                rates(
                    pod ? t.namespace() : null, pod ? t.pod() : t.iface(), e.getValue(), duration));
      }
    }
    return new RealtimeReport(
        m.node(),
        m.namespace(),
        m.name(),
        at.toString(),
        intervalNanos,
        w,
        total,
        pods,
        interfaces,
        lastStatus == null ? null : lastStatus.getLastUpdate(),
        statusIntervalNanos,
        lastStatus == null || lastStatus.getTopFlows() == null
            ? List.of()
            : lastStatus.getTopFlows(),
        lastStatus == null ? null : lastStatus.getHeavyPrefixes());
  }

  /** The totals of {@code t}, per pod cgroup and node interface and in all. */
  public static SummaryReport summary(Monitor m, MonitorView.Totals t, Instant at) {
    List<SummaryReport.Totals> pods = new ArrayList<>();
    List<SummaryReport.Totals> interfaces = new ArrayList<>();
    for (IntervalRecords.TargetCounts c : t.targets()) {
      Target target = c.target();
      boolean pod = target.kind() == Target.Kind.POD_CGROUP;
      (pod ? pods : interfaces)
          .add(
              new SummaryReport.Totals(
                  pod ? target.namespace() : null,
                  pod ? target.pod() : target.iface(),
                  c.rxBytes(),
                  c.txBytes(),
                  c.rxPackets(),
                  c.txPackets()));
    }
    return new SummaryReport(
        m.node(),
        m.namespace(),
        m.name(),
        instant(t.sinceEpochNanos()),
        t.restored(),
        at.toString(),
        t.rxBytes(),
        t.txBytes(),
        t.rxPackets(),
        t.txPackets(),
        pods,
        interfaces);
  }

  private static void add(long[] c, long rxBytes, long txBytes, long rxPackets, long txPackets) {
    c[0] += rxBytes;
    c[1] += txBytes;
    c[2] += rxPackets;
    c[3] += txPackets;
  }

  private static RealtimeReport.Rates rates(
      String namespace, String name, long[] c, long durationNanos) {
    double seconds = durationNanos / 1e9;
    return seconds <= 0
        ? new RealtimeReport.Rates(namespace, name, 0, 0, 0, 0)
        : new RealtimeReport.Rates(
            namespace, name, c[0] / seconds, c[1] / seconds, c[2] / seconds, c[3] / seconds);
  }

  private static String instant(long epochNanos) {
    return Instant.ofEpochSecond(0, epochNanos).toString();
  }
}
