package io.trafficmonitor.plugin.flows;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.trafficmonitor.api.agent.IntervalReport.Counts;
import io.trafficmonitor.plugin.Units;
import io.trafficmonitor.plugin.live.RecordTracker.Seen;
import java.util.List;

/**
 * The shape of one line of {@code flows -o json}: one interval record of one node, flat, in this
 * order, every field always present (pods and interfaces empty lists when none had traffic). It is
 * a contract with scripts: add fields at the end, never rename or drop one.
 *
 * @param monitor "namespace/name", or "name" of a ClusterTrafficMonitor
 * @param node the node whose agent counted it
 * @param seq the record's number on that node (from 1, without a gap)
 * @param end when the interval ended, RFC 3339 with nanoseconds
 * @param durationNanos how long the interval was
 * @param intervalNanos the monitor's spec.interval
 * @param rxBitsPerSecond rxBytes * 8 / duration
 * @param txBitsPerSecond txBytes * 8 / duration
 * @param pods per pod: namespace, name and the four counts (pods with traffic only)
 * @param interfaces per node interface: name and the four counts
 * @param cursor where to go on after this record: {@code --after CURSOR}
 */
@JsonPropertyOrder({
  "monitor",
  "node",
  "seq",
  "end",
  "durationNanos",
  "intervalNanos",
  "rxBytes",
  "txBytes",
  "rxPackets",
  "txPackets",
  "rxBitsPerSecond",
  "txBitsPerSecond",
  "pods",
  "interfaces",
  "cursor"
})
public record FlowLine(
    String monitor,
    String node,
    long seq,
    String end,
    long durationNanos,
    long intervalNanos,
    long rxBytes,
    long txBytes,
    long rxPackets,
    long txPackets,
    long rxBitsPerSecond,
    long txBitsPerSecond,
    List<Counts> pods,
    List<Counts> interfaces,
    String cursor) {

  public static FlowLine of(String monitor, Seen s) {
    var r = s.record();
    return new FlowLine(
        monitor,
        s.report().node(),
        r.seq(),
        r.end(),
        r.durationNanos(),
        s.report().intervalNanos(),
        r.rxBytes(),
        r.txBytes(),
        r.rxPackets(),
        r.txPackets(),
        Math.round(Units.bitsPerSecond(r.rxBytes(), r.durationNanos())),
        Math.round(Units.bitsPerSecond(r.txBytes(), r.durationNanos())),
        r.pods() == null ? List.of() : r.pods(),
        r.interfaces() == null ? List.of() : r.interfaces(),
        s.cursor());
  }
}
