package io.trafficmonitor.plugin.top;

import io.trafficmonitor.api.agent.IntervalReport.Counts;
import io.trafficmonitor.api.agent.IntervalReport.Interval;
import io.trafficmonitor.plugin.Units;
import io.trafficmonitor.plugin.live.RecordTracker.Seen;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rates of pods and node interfaces over a short window of records: each node's newest records that
 * together last at least {@code window} (one record when the interval is longer), so that a 10 ms
 * interval gives steady figures and a 10 s one shows its last interval. A pod's rate is its bytes
 * in its node's window over that window's length; totals are the sum over nodes. Not thread safe:
 * the caller holds one lock for add and read.
 */
public final class PodRates {
  /** One line of the table: a pod ("ns/name") or a node interface ("node:if"), per second. */
  public record Row(String name, double rxBits, double txBits, double rxPackets, double txPackets) {
    double packets() {
      return rxPackets + txPackets;
    }
  }

  private final long windowNanos;
  private final Map<String, Deque<Interval>> byNode = new TreeMap<>();
  private long intervalNanos;
  private long records;

  public PodRates(long windowNanos) {
    this.windowNanos = windowNanos;
  }

  public void add(Seen s) {
    intervalNanos = s.report().intervalNanos();
    records++;
    Deque<Interval> q = byNode.computeIfAbsent(s.report().node(), n -> new ArrayDeque<>());
    q.addLast(s.record());
    long covered = q.stream().mapToLong(Interval::durationNanos).sum();
    while (q.size() > 1 && covered - q.peekFirst().durationNanos() >= windowNanos) {
      covered -= q.removeFirst().durationNanos();
    }
  }

  /** The monitor's interval, from the newest report; 0 before one came. */
  public long intervalNanos() {
    return intervalNanos;
  }

  /** Records taken in since the start. */
  public long records() {
    return records;
  }

  /** The nodes that sent records, in name order. */
  public List<String> nodes() {
    return List.copyOf(byNode.keySet());
  }

  /** How long the window of records is now (the longest over nodes). */
  public long coveredNanos() {
    return byNode.values().stream().mapToLong(PodRates::covered).max().orElse(0);
  }

  /** The sum over nodes of the window's totals. */
  public Row total() {
    double rx = 0, tx = 0, rxp = 0, txp = 0;
    for (Deque<Interval> q : byNode.values()) {
      long nanos = covered(q);
      long rxb = 0, txb = 0, rxn = 0, txn = 0;
      for (Interval i : q) {
        rxb += i.rxBytes();
        txb += i.txBytes();
        rxn += i.rxPackets();
        txn += i.txPackets();
      }
      rx += Units.bitsPerSecond(rxb, nanos);
      tx += Units.bitsPerSecond(txb, nanos);
      rxp += Units.perSecond(rxn, nanos);
      txp += Units.perSecond(txn, nanos);
    }
    return new Row("total", rx, tx, rxp, txp);
  }

  /** A row per pod and per node interface that had traffic in the window, in no order. */
  public List<Row> rows() {
    Map<String, long[]> sums = new HashMap<>();
    Map<String, Long> spans = new HashMap<>();
    byNode.forEach(
        (node, q) -> {
          long nanos = covered(q);
          for (Interval i : q) {
            for (Counts c : nonNull(i.pods())) {
              String name = c.namespace() == null ? c.name() : c.namespace() + "/" + c.name();
              add(sums, spans, name, c, nanos);
            }
            for (Counts c : nonNull(i.interfaces())) {
              add(sums, spans, node + ":" + c.name(), c, nanos);
            }
          }
        });
    List<Row> rows = new ArrayList<>();
    sums.forEach(
        (name, s) -> {
          long nanos = spans.get(name);
          rows.add(
              new Row(
                  name,
                  Units.bitsPerSecond(s[0], nanos),
                  Units.bitsPerSecond(s[1], nanos),
                  Units.perSecond(s[2], nanos),
                  Units.perSecond(s[3], nanos)));
        });
    return rows;
  }

  private static void add(
      Map<String, long[]> sums, Map<String, Long> spans, String name, Counts c, long nanos) {
    long[] s = sums.computeIfAbsent(name, n -> new long[4]);
    s[0] += c.rxBytes();
    s[1] += c.txBytes();
    s[2] += c.rxPackets();
    s[3] += c.txPackets();
    spans.merge(name, nanos, Math::max);
  }

  private static List<Counts> nonNull(List<Counts> l) {
    return l == null ? List.of() : l;
  }

  private static long covered(Deque<Interval> q) {
    return q.stream().mapToLong(Interval::durationNanos).sum();
  }
}
