package io.trafficmonitor.agent;

import io.trafficmonitor.bpf.FlowLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Turns the kernel's cumulative per-flow counters into per-series deltas, rates, node totals and
 * per-flow totals for the top-N, and evicts idle flows. Single writer: one thread calls {@link
 * #collect}; the other methods are synchronized with it.
 *
 * <p>A flow whose target is not (yet) known, say a container cgroup created after the last
 * resolution, keeps its counters in the kernel: its delta is taken once the target is known, so no
 * byte is lost or attributed to the wrong pod.
 */
public final class Collector {
  private final MetricsSink sink;
  private final long rateWindowNanos;
  private final Map<FlowId, FlowEntry> flows = new HashMap<>();
  private final Map<Series.Key, Series> series = new HashMap<>();
  private final Map<RateKey, RateWindow> rates = new HashMap<>();
  private final FlowId probe = new FlowId();
  private final NodeTotals totals = new NodeTotals();
  private long epoch;
  private long uniqueFlows;
  private long lastCollect;
  private int unresolved;

  private record RateKey(Target target, String direction) {}

  public Collector(MetricsSink sink, long rateWindowNanos) {
    this.sink = sink;
    this.rateWindowNanos = rateWindowNanos;
  }

  /** Result of one collection. */
  public record Result(int flows, int unresolved, int evicted, long nanos) {}

  /** Reads every flow once, attributes deltas, evicts flows idle for longer than idleNanos. */
  public synchronized Result collect(
      FlowSource source, TargetIndex index, long now, long idleNanos) {
    long t0 = System.nanoTime();
    epoch++;
    unresolved = 0;
    List<FlowEntry> idle = new ArrayList<>();
    int[] seen = {0};
    source.read(
        (keys, values, n) -> {
          for (int i = 0; i < n; i++) {
            int ko = i * FlowLayout.KEY_SIZE;
            int vo = i * FlowLayout.STATS_SIZE;
            FlowEntry e = flows.get(probe.set(keys, ko));
            if (e == null) {
              e = new FlowEntry(new FlowId(probe), keys, ko);
              flows.put(e.id, e);
              uniqueFlows++;
            }
            e.epoch = epoch;
            seen[0]++;
            update(
                e,
                index,
                values.getLong(vo + FlowLayout.STATS_BYTES),
                values.getLong(vo + FlowLayout.STATS_PACKETS),
                now);
            long lastSeen = values.getLong(vo + FlowLayout.STATS_LAST_SEEN);
            if (now - lastSeen > idleNanos) {
              idle.add(e);
            }
          }
        });
    if (seen[0] != flows.size()) {
      flows.values().removeIf(e -> e.epoch != epoch); // removed from the kernel by someone else
    }
    int evicted = 0;
    byte[] value = new byte[FlowLayout.STATS_SIZE];
    for (FlowEntry e : idle) {
      if (source.remove(e.id.bytes(), value)) {
        ByteBuffer v = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        update(
            e, index, v.getLong(FlowLayout.STATS_BYTES), v.getLong(FlowLayout.STATS_PACKETS), now);
        evicted++;
      }
      flows.remove(e.id);
    }
    for (RateWindow r : rates.values()) {
      r.tick(now);
    }
    lastCollect = now;
    return new Result(flows.size(), unresolved, evicted, System.nanoTime() - t0);
  }

  private void update(FlowEntry e, TargetIndex index, long bytes, long packets, long now) {
    if (bytes == e.bytes && packets == e.packets && e.index == index) {
      return; // the common case of an idle flow: nothing to do
    }
    if (e.index != index) {
      Target t = index.lookup(e.kind, e.targetId);
      e.index = index;
      if (t != e.target || t == null) {
        e.series = null;
        e.rate = null;
      }
      e.target = t;
    }
    Target t = e.target;
    if (t == null) {
      unresolved++;
      e.index = null; // look again next time
      return; // counters stay in the kernel until the target is known
    }
    long db = bytes - e.bytes;
    long dp = packets - e.packets;
    if (db < 0 || dp < 0) { // a new kernel entry under the same key
      db = bytes;
      dp = packets;
    }
    e.bytes = bytes;
    e.packets = packets;
    if (db == 0 && dp == 0) {
      return;
    }
    if (e.series == null) {
      bind(e, t, now);
    }
    e.totalBytes += db;
    e.totalPackets += dp;
    e.series.add(db, dp);
    e.rate.add(db, dp);
    if (t.inTotals()) {
      totals.add(e.ingress, db, dp);
    }
  }

  private void bind(FlowEntry e, Target t, long now) {
    e.ingress = (e.direction == 0) != t.reversed();
    String dir = e.ingress ? "ingress" : "egress";
    Series.Key key = new Series.Key(t, dir, Protocols.label(e.protocol));
    Series s = series.get(key);
    if (s == null) {
      s = new Series(key);
      series.put(key, s);
      sink.seriesAdded(s);
    }
    RateKey rk = new RateKey(t, dir);
    RateWindow r = rates.get(rk);
    if (r == null) {
      r = new RateWindow(rateWindowNanos);
      r.start(lastCollect == 0 ? now : lastCollect);
      rates.put(rk, r);
      sink.rateAdded(t, dir, r);
    }
    e.series = s;
    e.rate = r;
  }

  /**
   * Forgets targets that are gone (a deleted pod, a removed interface): drops their series and
   * rates, and removes their flows from the kernel map so that they are not counted again.
   */
  public synchronized void forget(Predicate<Target> gone, FlowSource source) {
    series
        .values()
        .removeIf(
            s -> {
              if (gone.test(s.key().target())) {
                sink.seriesRemoved(s);
                return true;
              }
              return false;
            });
    for (Iterator<Map.Entry<RateKey, RateWindow>> it = rates.entrySet().iterator();
        it.hasNext(); ) {
      RateKey k = it.next().getKey();
      if (gone.test(k.target())) {
        sink.rateRemoved(k.target(), k.direction());
        it.remove();
      }
    }
    byte[] value = new byte[FlowLayout.STATS_SIZE];
    for (Iterator<FlowEntry> it = flows.values().iterator(); it.hasNext(); ) {
      FlowEntry e = it.next();
      if (e.target != null && gone.test(e.target)) {
        if (source != null) {
          source.remove(e.id.bytes(), value);
        }
        it.remove();
      }
    }
  }

  /** Node totals and the top flows since the previous call (the status interval). */
  public synchronized StatusSnapshot snapshot(int topN) {
    List<StatusSnapshot.TopFlow> top = TopFlows.select(flows.values(), topN);
    long active = 0;
    for (FlowEntry e : flows.values()) {
      e.markBytes = e.totalBytes;
      e.markPackets = e.totalPackets;
      if (e.target != null && e.target.inTotals()) {
        active++;
      }
    }
    return new StatusSnapshot(
        lastCollect,
        totals.rxBytes,
        totals.txBytes,
        totals.rxPackets,
        totals.txPackets,
        active,
        uniqueFlows,
        top);
  }

  /** Series currently exported (for tests and self-metrics). */
  public synchronized List<Series> series() {
    return new ArrayList<>(series.values());
  }

  public synchronized int trackedFlows() {
    return flows.size();
  }

  /** Flows whose target was unknown at the last collection. */
  public synchronized int unresolved() {
    return unresolved;
  }

  private static final class NodeTotals {
    long rxBytes;
    long txBytes;
    long rxPackets;
    long txPackets;

    void add(boolean ingress, long bytes, long packets) {
      if (ingress) {
        rxBytes += bytes;
        rxPackets += packets;
      } else {
        txBytes += bytes;
        txPackets += packets;
      }
    }
  }
}
