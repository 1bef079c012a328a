package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.collect.sketch.Hashing;
import io.trafficmonitor.agent.spec.Applications;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.datapath.flow.FlowKey;
import io.trafficmonitor.datapath.flow.FlowLayout;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads the node's kernel flow map once per collection, whatever the number of monitors: turns each
 * flow's cumulative counters into deltas once, and hands them to the {@link MonitorView}s that
 * {@link Routing} says count the flow; evicts idle flows. Single writer: one thread calls {@link
 * #collect}; the other methods are synchronized with it.
 *
 * <p>A flow whose target is not (yet) known, say a container cgroup created after the last
 * resolution, keeps its counters in the kernel: its delta is taken once the target is known, so no
 * byte is lost or attributed to the wrong pod.
 */
public final class Collector {
  private final long rateWindowNanos;
  private final Map<FlowId, FlowEntry> flows = new HashMap<>();
  private final FlowId probe = new FlowId();

  /**
   * The flow at each position of the previous read: the kernel walks its hash in bucket order, so
   * an unchanged map comes back in the same order, and checking the entry at the same position
   * saves the map lookup (memory misses on the table, node and key) for almost every flow.
   */
  private FlowEntry[] order = new FlowEntry[0];

  private FlowEntry[] nextOrder = new FlowEntry[0];
  private long epoch;
  private int unresolved;
  private final long[] sizeDeltas = new long[FlowLayout.HIST_BUCKETS];

  /** The view of the single-monitor form ({@link #Collector(MetricsSink, long)}), or null. */
  private final MonitorView single;

  private TargetIndex singleIndex;
  private Routing singleRouting;

  /** A collector for any number of monitors: each {@link MonitorView} is made on it. */
  public Collector(long rateWindowNanos) {
    this.rateWindowNanos = rateWindowNanos;
    this.single = null;
  }

  /**
   * A collector with one view that counts every target of the index given to {@link
   * #collect(FlowSource, TargetIndex, long, long)} (tests and benchmarks).
   */
  public Collector(MetricsSink sink, long rateWindowNanos) {
    this.rateWindowNanos = rateWindowNanos;
    this.single = new MonitorView(this, sink);
  }

  long rateWindowNanos() {
    return rateWindowNanos;
  }

  /** Result of one collection. */
  public record Result(int flows, int unresolved, int evicted, long nanos) {}

  /** {@link #collect(FlowSource, Routing, long, long)} with the single view on every target. */
  public synchronized Result collect(
      FlowSource source, TargetIndex index, long now, long idleNanos) {
    if (index != singleIndex) {
      singleIndex = index;
      singleRouting = Routing.all(index, single);
    }
    return collect(source, singleRouting, now, idleNanos);
  }

  /** Reads every flow once, attributes deltas, evicts flows idle for longer than idleNanos. */
  public synchronized Result collect(FlowSource source, Routing routing, long now, long idleNanos) {
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
            }
            if (at < nextOrder.length) {
              nextOrder[at] = e;
            }
            e.epoch = epoch;
            seen[0]++;
            update(e, routing, values, vo, now);
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
                if (e.epoch != epoch) { // removed from the kernel by someone else
                  drop(e);
                  return true;
                }
                return false;
              });
    }
    FlowEntry[] previous = order;
    order = nextOrder;
    nextOrder = previous;
    Arrays.fill(order, Math.min(seen[0], order.length), order.length, null);
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
        update(e, routing, ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()), 0, now);
        evicted++;
      }
      if (source.removeSequence(e.id.bytes(), seq)) {
        addSequence(e, ByteBuffer.wrap(seq).order(ByteOrder.nativeOrder()), 0);
      }
      flows.remove(e.id);
      drop(e);
    }
    for (MonitorView v : routing.views()) {
      if (!v.closed()) {
        v.tick(now);
      }
    }
    return new Result(flows.size(), unresolved, evicted, System.nanoTime() - t0);
  }

  private static void drop(FlowEntry e) {
    e.removed = true;
    for (Binding b : e.bindings) {
      b.view.unbind(b);
    }
    e.bindings = FlowEntry.UNBOUND;
  }

  private void update(FlowEntry e, Routing routing, ByteBuffer v, int vo, long now) {
    long bytes = v.getLong(vo + FlowLayout.STATS_BYTES);
    long packets = v.getLong(vo + FlowLayout.STATS_PACKETS);
    e.intervals = v.getLong(vo + FlowLayout.STATS_IAT_COUNT);
    e.intervalSumNanos = v.getLong(vo + FlowLayout.STATS_IAT_SUM_NS);
    e.intervalSumSquaresMicros = v.getLong(vo + FlowLayout.STATS_IAT_SUM_SQ_US);
    if (bytes == e.bytes && packets == e.packets && e.routing == routing) {
      return; // the common case of an idle flow: nothing to do
    }
    if (e.routing != routing) {
      route(e, routing, now);
    }
    if (e.target == null) {
      unresolved++;
      return; // counters stay in the kernel until the target is known
    }
    long payload = v.getLong(vo + FlowLayout.STATS_PAYLOAD_BYTES);
    long db = bytes - e.bytes;
    long dp = packets - e.packets;
    long dpl = payload - e.payload;
    boolean reset = db < 0 || dp < 0 || dpl < 0; // a new kernel entry under the same key
    if (reset) {
      db = bytes;
      dp = packets;
      dpl = payload;
      Arrays.fill(e.sizes, 0);
    }
    e.bytes = bytes;
    e.packets = packets;
    e.payload = payload;
    for (int i = 0; i < FlowLayout.HIST_BUCKETS; i++) {
      int k = v.getInt(vo + FlowLayout.STATS_SIZE_HIST + 4 * i);
      sizeDeltas[i] = Integer.toUnsignedLong(k - e.sizes[i]); // 32-bit counters wrap
      e.sizes[i] = k;
    }
    int newFlags = 0;
    if (e.protocol == 6) {
      int flags = v.getInt(vo + FlowLayout.STATS_TCP_FLAGS);
      newFlags = reset ? flags : e.tcpFlags < 0 ? 0 : flags & ~e.tcpFlags;
      e.tcpFlags = flags;
    }
    if (db == 0 && dp == 0) {
      return;
    }
    for (Binding b : e.bindings) {
      if (!b.removed) {
        b.view.add(b, db, dp, dpl, sizeDeltas);
        if (newFlags != 0) {
          b.view.tcpFlags(b, newFlags);
        }
      }
    }
  }

  /**
   * Looks the flow's target up in a new routing and binds it to the monitors that count it: those
   * already counting it keep their binding (and totals), new ones start from the next delta.
   */
  private void route(FlowEntry e, Routing routing, long now) {
    Target t = routing.index().lookup(e.kind, e.targetId);
    if (t == null || !t.equals(e.target)) {
      for (Binding b : e.bindings) {
        b.view.unbind(b);
      }
      e.bindings = FlowEntry.UNBOUND;
    }
    e.target = t;
    if (t == null) {
      e.routing = null; // look again next time
      return;
    }
    e.routing = routing;
    e.ingress = (e.direction == 0) != t.reversed();
    FlowKey key = e.id.decode();
    if (e.peer == null) {
      int off = e.ingress ? FlowLayout.KEY_SRC : FlowLayout.KEY_DST;
      e.peerHash = Hashing.hash64(e.id.bytes(), off, 16);
      e.peer = (e.ingress ? key.sourceAddress() : key.destinationAddress()).getHostAddress();
    }
    List<Routing.Subscription> subs = routing.subscriptions(t);
    List<Binding> next = new ArrayList<>(subs.size());
    for (Routing.Subscription s : subs) {
      if (s.view().closed() || !s.accepts(key, e.ingress)) {
        continue;
      }
      Binding kept = null;
      for (Binding b : e.bindings) {
        if (b.view == s.view() && !b.removed) {
          kept = b;
        }
      }
      next.add(kept != null ? kept : s.view().bind(e, t, now));
    }
    for (Binding b : e.bindings) {
      if (!next.contains(b)) {
        b.view.unbind(b);
      }
    }
    e.bindings = next.toArray(FlowEntry.UNBOUND);
  }

  /** The hash of a kernel key's 5-tuple (addresses, ports, protocol), not where it was seen. */
  static long tupleHash(ByteBuffer keys, int ko) {
    long addresses = Hashing.hash64(keys, ko + FlowLayout.KEY_SRC, 32);
    long portsAndProto = keys.getLong(ko + FlowLayout.KEY_SPORT) & 0xffff_ffff_ffffL;
    return Hashing.hash64(addresses, portsAndProto);
  }

  /**
   * Attributes the growth of a flow's kernel sequence figures to the monitors counting it. Only
   * traffic into a pod or node counts: loss shows where packets arrive, and a sender's own view
   * would double the received count and halve the loss ratio.
   */
  private void addSequence(FlowEntry e, ByteBuffer v, int vo) {
    if (e.target == null || !e.ingress) {
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
    for (Binding b : e.bindings) {
      if (!b.removed) {
        b.view.addSequence(b, delta);
      }
    }
  }

  /**
   * Forgets targets that are gone from the node (a deleted pod, a removed interface): every view
   * drops their series and rates, and their flows leave the kernel map so that they are not counted
   * again.
   */
  public synchronized void forget(Predicate<Target> gone, FlowSource source) {
    if (single != null) {
      single.forget(gone);
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
        drop(e);
      }
    }
  }

  /**
   * Forgets every flow (the kernel map is replaced by an empty one): the views keep their series
   * and totals; the flows of the new map start from zero.
   */
  public synchronized void reset() {
    for (FlowEntry e : flows.values()) {
      drop(e);
    }
    flows.clear();
    Arrays.fill(order, null);
  }

  /** Closes {@code view}: its monitor is no longer served, no flow feeds it again. */
  public synchronized void close(MonitorView view) {
    view.close();
  }

  /** Makes {@code view} forget the targets its monitor no longer counts. */
  public synchronized void forget(MonitorView view, Predicate<Target> gone) {
    view.forget(gone);
  }

  /** Node totals and the top flows of the single view since the previous call. */
  public StatusSnapshot snapshot(int topN) {
    return single.snapshot(topN);
  }

  /** The single view's interval: one interval record each (tests, benchmarks). */
  public void interval(Duration interval) {
    single.interval(interval);
  }

  /** The application names of the single view's top flows from now on. */
  public void applications(Applications apps) {
    single.applications(apps);
  }

  /** Series of the single view (for tests). */
  public List<Series> series() {
    return single.series();
  }

  public synchronized int trackedFlows() {
    return flows.size();
  }

  /** Flows whose target was unknown at the last collection. */
  public synchronized int unresolved() {
    return unresolved;
  }

  /**
   * Writes what the collector has attributed of every kernel flow (its baselines), for the next
   * agent to take deltas from where this one stopped ({@link Checkpoint}).
   */
  synchronized void save(DataOutputStream out) throws IOException {
    out.writeInt(flows.size());
    for (FlowEntry e : flows.values()) {
      out.write(e.id.bytes());
      out.writeLong(e.bytes);
      out.writeLong(e.packets);
      out.writeLong(e.payload);
      for (int s : e.sizes) {
        out.writeInt(s);
      }
      out.writeBoolean(e.sequence != null);
      if (e.sequence != null) {
        for (long v : e.sequence) {
          out.writeLong(v);
        }
      }
    }
  }

  /** Writes the TCP flags already attributed of every kernel flow that carried any. */
  synchronized void saveTcpFlags(DataOutputStream out) throws IOException {
    List<FlowEntry> tcp = new ArrayList<>();
    for (FlowEntry e : flows.values()) {
      if (e.tcpFlags > 0) {
        tcp.add(e);
      }
    }
    out.writeInt(tcp.size());
    for (FlowEntry e : tcp) {
      out.write(e.id.bytes());
      out.writeInt(e.tcpFlags);
    }
  }

  /**
   * Takes the TCP flags of a previous agent's {@link #saveTcpFlags}, after {@link #restore}: a flag
   * that shows in a flow since then is counted, one it had is not.
   */
  synchronized void restoreTcpFlags(DataInputStream in) throws IOException {
    for (FlowEntry e : flows.values()) {
      if (e.tcpFlags < 0) {
        e.tcpFlags = 0; // the previous agent wrote the flags of every flow that had any
      }
    }
    int n = in.readInt();
    byte[] key = new byte[FlowLayout.KEY_SIZE];
    ByteBuffer keys = ByteBuffer.wrap(key).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      in.readFully(key);
      int flags = in.readInt();
      FlowEntry e = flows.get(new FlowId(probe.set(keys, 0)));
      if (e != null) {
        e.tcpFlags = flags;
      }
    }
  }

  /** Takes the baselines of a previous agent's {@link #save}; before the first collection. */
  synchronized void restore(DataInputStream in) throws IOException {
    int n = in.readInt();
    byte[] key = new byte[FlowLayout.KEY_SIZE];
    ByteBuffer keys = ByteBuffer.wrap(key).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      in.readFully(key);
      FlowEntry e = new FlowEntry(new FlowId(probe.set(keys, 0)), keys, 0);
      e.bytes = in.readLong();
      e.packets = in.readLong();
      e.payload = in.readLong();
      e.tcpFlags = -1; // what its packets carried so far, the previous agent counted
      for (int b = 0; b < e.sizes.length; b++) {
        e.sizes[b] = in.readInt();
      }
      if (in.readBoolean()) {
        e.sequence = new long[Series.SEQ_FIGURES];
        for (int q = 0; q < e.sequence.length; q++) {
          e.sequence[q] = in.readLong();
        }
      }
      flows.put(e.id, e);
    }
  }
}
