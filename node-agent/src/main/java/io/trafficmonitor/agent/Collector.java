package io.trafficmonitor.agent;

import io.trafficmonitor.agent.sketch.CountMinSketch;
import io.trafficmonitor.agent.sketch.Hashing;
import io.trafficmonitor.agent.sketch.HeavyHitters;
import io.trafficmonitor.agent.sketch.HyperLogLog;
import io.trafficmonitor.datapath.flow.FlowKey;
import io.trafficmonitor.datapath.flow.FlowLayout;
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

  /**
   * The flow at each position of the previous read: the kernel walks its hash in bucket order, so
   * an unchanged map comes back in the same order, and checking the entry at the same position
   * saves the map lookup (memory misses on the table, node and key) for almost every flow.
   */
  private FlowEntry[] order = new FlowEntry[0];

  private FlowEntry[] nextOrder = new FlowEntry[0];
  private final NodeTotals totals = new NodeTotals();
  private volatile Applications applications = Applications.DEFAULTS;
  private long epoch;

  /** Distinct 5-tuples and remote addresses since start (HyperLogLog, 0.81% standard error). */
  private final HyperLogLog distinctFlows = new HyperLogLog(HyperLogLog.DEFAULT_PRECISION);

  private final HyperLogLog distinctPeers = new HyperLogLog(HyperLogLog.DEFAULT_PRECISION);

  /** Remote addresses by bytes since start (Count-Min Sketch with the 10 busiest kept). */
  private final HeavyHitters<String> talkers =
      new HeavyHitters<>(TOP_TALKERS, CountMinSketch.forError(0.001, 0.01));

  static final int TOP_TALKERS = 10;
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
    if (nextOrder.length < flows.size() + 4096) {
      nextOrder = new FlowEntry[flows.size() + flows.size() / 4 + 4096];
    }
    source.read(
        (keys, values, n) -> {
          for (int i = 0; i < n; i++) {
            int ko = i * FlowLayout.KEY_SIZE;
            int vo = i * FlowLayout.STATS_SIZE;
            int at = seen[0];
            FlowEntry e = at < order.length ? order[at] : null;
            if (e == null || e.removed || !e.id.matches(keys, ko)) {
              e = flows.get(probe.set(keys, ko));
            }
            if (e == null) {
              e = new FlowEntry(new FlowId(probe), keys, ko);
              flows.put(e.id, e);
              distinctFlows.add(tupleHash(keys, ko));
            }
            if (at < nextOrder.length) {
              nextOrder[at] = e;
            }
            e.epoch = epoch;
            seen[0]++;
            update(e, index, values, vo, now);
            long lastSeen = values.getLong(vo + FlowLayout.STATS_LAST_SEEN);
            if (now - lastSeen > idleNanos) {
              idle.add(e);
            }
          }
        });
    if (seen[0] != flows.size()) {
      flows
          .values()
          .removeIf(
              e -> {
                e.removed = e.epoch != epoch; // removed from the kernel by someone else
                return e.removed;
              });
    }
    FlowEntry[] previous = order;
    order = nextOrder;
    nextOrder = previous;
    java.util.Arrays.fill(order, Math.min(seen[0], order.length), order.length, null);
    source.readSequences(
        (keys, values, n) -> {
          for (int i = 0; i < n; i++) {
            FlowEntry e = flows.get(probe.set(keys, i * FlowLayout.KEY_SIZE));
            if (e != null) {
              addSequence(e, values, i * FlowLayout.SEQ_SIZE);
            }
          }
        });
    int evicted = 0;
    byte[] value = new byte[FlowLayout.STATS_SIZE];
    byte[] seq = new byte[FlowLayout.SEQ_SIZE];
    for (FlowEntry e : idle) {
      if (source.remove(e.id.bytes(), value)) {
        update(e, index, ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()), 0, now);
        evicted++;
      }
      if (source.removeSequence(e.id.bytes(), seq)) {
        addSequence(e, ByteBuffer.wrap(seq).order(ByteOrder.nativeOrder()), 0);
      }
      flows.remove(e.id);
      e.removed = true;
    }
    for (RateWindow r : rates.values()) {
      r.tick(now);
    }
    lastCollect = now;
    return new Result(flows.size(), unresolved, evicted, System.nanoTime() - t0);
  }

  private void update(FlowEntry e, TargetIndex index, ByteBuffer v, int vo, long now) {
    long bytes = v.getLong(vo + FlowLayout.STATS_BYTES);
    long packets = v.getLong(vo + FlowLayout.STATS_PACKETS);
    e.intervals = v.getLong(vo + FlowLayout.STATS_IAT_COUNT);
    e.intervalSumNanos = v.getLong(vo + FlowLayout.STATS_IAT_SUM_NS);
    e.intervalSumSquaresMicros = v.getLong(vo + FlowLayout.STATS_IAT_SUM_SQ_US);
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
    long payload = v.getLong(vo + FlowLayout.STATS_PAYLOAD_BYTES);
    long db = bytes - e.bytes;
    long dp = packets - e.packets;
    long dpl = payload - e.payload;
    if (db < 0 || dp < 0 || dpl < 0) { // a new kernel entry under the same key
      db = bytes;
      dp = packets;
      dpl = payload;
      java.util.Arrays.fill(e.sizes, 0);
    }
    e.bytes = bytes;
    e.packets = packets;
    e.payload = payload;
    if (db == 0 && dp == 0) {
      return;
    }
    if (e.series == null) {
      bind(e, t, now);
    }
    e.totalBytes += db;
    e.totalPackets += dp;
    e.totalPayload += dpl;
    e.series.add(db, dp);
    e.series.addPayload(dpl);
    for (int i = 0; i < FlowLayout.HIST_BUCKETS; i++) {
      int k = v.getInt(vo + FlowLayout.STATS_SIZE_HIST + 4 * i);
      long d = Integer.toUnsignedLong(k - e.sizes[i]); // 32-bit counters wrap
      e.sizes[i] = k;
      if (d != 0) {
        e.series.addSize(i, d);
      }
    }
    e.rate.add(db, dp);
    if (t.inTotals()) {
      totals.add(e.ingress, db, dp, dpl);
      talkers.add(e.peer, e.peerHash, db);
    }
  }

  /** The hash of a kernel key's 5-tuple (addresses, ports, protocol), not where it was seen. */
  static long tupleHash(ByteBuffer keys, int ko) {
    long addresses = Hashing.hash64(keys, ko + FlowLayout.KEY_SRC, 32);
    long portsAndProto = keys.getLong(ko + FlowLayout.KEY_SPORT) & 0xffff_ffff_ffffL;
    return Hashing.hash64(addresses, portsAndProto);
  }

  /**
   * Attributes the growth of a flow's kernel sequence figures to its series. Only traffic into a
   * pod or node counts: loss shows where packets arrive, and a sender's own view would double the
   * received count and halve the loss ratio.
   */
  private void addSequence(FlowEntry e, ByteBuffer v, int vo) {
    if (e.series == null || !e.ingress) {
      return; // not attributed yet (the kernel keeps the figures), or outgoing
    }
    long[] now = {
      v.getLong(vo + FlowLayout.SEQ_RECEIVED),
      v.getLong(vo + FlowLayout.SEQ_REVERSE),
      v.getLong(vo + FlowLayout.SEQ_SMALL_GAPS),
      v.getLong(vo + FlowLayout.SEQ_BIG_GAPS),
      v.getLong(vo + FlowLayout.SEQ_MISSING)
    };
    long[] delta = new long[Series.SEQ_FIGURES];
    boolean grew = false;
    boolean reset = false;
    for (int i = 0; i < delta.length; i++) {
      delta[i] = now[i] - (e.sequence == null ? 0 : e.sequence[i]);
      reset |= delta[i] < 0;
      grew |= delta[i] != 0;
    }
    if (reset) { // a new kernel entry under the same key
      delta = now.clone();
    }
    e.sequence = now;
    if (!grew && !reset) {
      return;
    }
    if (e.series.addSequence(delta)) {
      sink.sequenceSeen(e.series);
    }
    if (e.target.inTotals()) {
      for (int i = 0; i < delta.length; i++) {
        totals.sequence[i] += delta[i];
      }
    }
  }

  private void bind(FlowEntry e, Target t, long now) {
    e.ingress = (e.direction == 0) != t.reversed();
    if (e.peer == null) {
      byte[] key = e.id.bytes();
      int off = e.ingress ? FlowLayout.KEY_SRC : FlowLayout.KEY_DST;
      e.peerHash = Hashing.hash64(key, off, 16);
      FlowKey k = e.id.decode();
      e.peer = (e.ingress ? k.sourceAddress() : k.destinationAddress()).getHostAddress();
      distinctPeers.add(e.peerHash);
    }
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
    byte[] seq = new byte[FlowLayout.SEQ_SIZE];
    for (Iterator<FlowEntry> it = flows.values().iterator(); it.hasNext(); ) {
      FlowEntry e = it.next();
      if (e.target != null && gone.test(e.target)) {
        if (source != null) {
          source.remove(e.id.bytes(), value);
          source.removeSequence(e.id.bytes(), seq);
        }
        it.remove();
        e.removed = true;
      }
    }
  }

  /** Node totals and the top flows since the previous call (the status interval). */
  public synchronized StatusSnapshot snapshot(int topN) {
    List<StatusSnapshot.TopFlow> top = TopFlows.select(flows.values(), topN, applications);
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
        totals.rxPayload,
        totals.txPayload,
        new StatusSnapshot.Sequence(
            totals.sequence[Series.SEQ_RECEIVED],
            totals.sequence[Series.SEQ_REVERSE],
            totals.sequence[Series.SEQ_SMALL_GAPS],
            totals.sequence[Series.SEQ_BIG_GAPS],
            Math.max(0, totals.sequence[Series.SEQ_MISSING] - totals.sequence[Series.SEQ_REVERSE])),
        active,
        distinctFlows.estimate(),
        distinctPeers.estimate(),
        talkers.top().stream().map(h -> new StatusSnapshot.Talker(h.key(), h.estimate())).toList(),
        top);
  }

  /** The application names used for top flows from now on. */
  public void applications(Applications apps) {
    applications = apps;
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
    long rxPayload;
    long txPayload;
    final long[] sequence = new long[Series.SEQ_FIGURES];

    void add(boolean ingress, long bytes, long packets, long payload) {
      if (ingress) {
        rxBytes += bytes;
        rxPackets += packets;
        rxPayload += payload;
      } else {
        txBytes += bytes;
        txPackets += packets;
        txPayload += payload;
      }
    }
  }
}
