package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.datapath.flow.TargetKind;
import io.trafficmonitor.datapath.tcp.CgroupTcpStats;
import io.trafficmonitor.datapath.tcp.DropKey;
import io.trafficmonitor.datapath.tcp.TcpConnection;
import io.trafficmonitor.datapath.tcp.TcpLayout;
import io.trafficmonitor.datapath.tcp.WindowStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Predicate;

/**
 * Turns the tracepoints' cumulative per-cgroup TCP health and per-(cgroup, netns, reason) drops
 * into per-pod and per-node figures: counters since the agent started (deltas of the kernel's, so a
 * pod's counts survive its cgroup ids changing), histograms, and what the status needs. Only
 * monitored pods count; drops without a socket count for the pod whose own network namespace they
 * happened in, or for the node in the node's namespace. Single writer (the collection thread);
 * scrapes read the published values.
 */
public final class TcpCollector {
  /** Where the collector announces the per-pod TCP series and drop series it creates and drops. */
  public interface Sink {
    void tcpAdded(PodTcp pod);

    void tcpRemoved(PodTcp pod);

    void dropsAdded(Drops drops);

    void dropsRemoved(Drops drops);

    /**
     * A pod's connections showed a window scale bucket ({@link WindowStats#scaleLabel}) for the
     * first time: its series starts now (buckets never seen have none, so a pod has one or two).
     */
    default void tcpScaleAdded(PodTcp pod, int bucket) {}

    Sink NONE =
        new Sink() {
          @Override
          public void tcpAdded(PodTcp pod) {}

          @Override
          public void tcpRemoved(PodTcp pod) {}

          @Override
          public void dropsAdded(Drops drops) {}

          @Override
          public void dropsRemoved(Drops drops) {}
        };
  }

  /** Indexes into {@link PodTcp#counters}. */
  public static final int RETRANSMITS = 0;

  public static final int OPENED = 1;
  public static final int CLOSED = 2;
  public static final int FAILED = 3;
  public static final int DURATION_SUM_MICROS = 4;
  public static final int RTT_SAMPLES = 5;
  public static final int RTT_SUM_MICROS = 6;
  public static final int STATE_CHANGES = 7;
  public static final int ZERO_WINDOW_PEER = 8;
  public static final int ZERO_WINDOW_LOCAL = 9;
  public static final int WINDOW_LIMITED = 10;
  static final int COUNTERS = 11;

  /** The TCP health of one pod since the agent started. */
  public static final class PodTcp {
    private final Target target;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS);
    private final AtomicLongArray rtt = new AtomicLongArray(TcpLayout.HIST_BUCKETS);
    private final AtomicLongArray durations = new AtomicLongArray(TcpLayout.HIST_BUCKETS);
    private final AtomicLongArray cwnd = new AtomicLongArray(CWND_BUCKETS);
    private final AtomicLong cwndSum = new AtomicLong();
    private final AtomicLongArray scales = new AtomicLongArray(TcpLayout.WSCALE_BUCKETS);

    PodTcp(Target target) {
      this.target = target;
    }

    public Target target() {
      return target;
    }

    public long get(int counter) {
      return counters.get(counter);
    }

    /** Connections established and not closed yet. */
    public long open() {
      return Math.max(0, get(OPENED) - get(CLOSED));
    }

    public long[] rttHistogram() {
      return copy(rtt);
    }

    public long[] durationHistogram() {
      return copy(durations);
    }

    /**
     * Congestion windows sampled (one per established connection per status interval) by log2
     * bucket: bucket i holds windows up to 2^i segments, the last one every larger window too.
     */
    public long[] cwndHistogram() {
      return copy(cwnd);
    }

    /**
     * Connections established by window scale bucket of the pod's side: index 0..14 the shift of
     * the windows the pod's socket advertises, {@link TcpLayout#WSCALE_NONE} no window scaling.
     */
    public long scaleConnections(int bucket) {
      return scales.get(bucket);
    }

    /** The sum of the congestion windows sampled, in segments. */
    public long cwndSum() {
      return cwndSum.get();
    }

    void sampleCwnd(long segments) {
      cwnd.incrementAndGet(Log2.bucket(segments, CWND_BUCKETS));
      cwndSum.addAndGet(segments);
    }

    private static long[] copy(AtomicLongArray a) {
      long[] out = new long[a.length()];
      for (int i = 0; i < out.length; i++) {
        out[i] = a.get(i);
      }
      return out;
    }

    /** Adds the growth since {@code before}; returns the scale buckets seen for the first time. */
    List<Integer> add(CgroupTcpStats now, CgroupTcpStats before) {
      add(RETRANSMITS, now.retransmittedSegments(), before.retransmittedSegments());
      add(OPENED, now.opened(), before.opened());
      add(CLOSED, now.closed(), before.closed());
      add(FAILED, now.failedActive(), before.failedActive());
      add(DURATION_SUM_MICROS, now.durationSumMicros(), before.durationSumMicros());
      add(RTT_SAMPLES, now.rttSamples(), before.rttSamples());
      add(RTT_SUM_MICROS, now.rttSumMicros(), before.rttSumMicros());
      add(STATE_CHANGES, now.stateChanges(), before.stateChanges());
      for (int i = 0; i < TcpLayout.HIST_BUCKETS; i++) {
        rtt.addAndGet(i, Math.max(0, now.rttHistogram()[i] - before.rttHistogram()[i]));
        durations.addAndGet(
            i, Math.max(0, now.durationHistogram()[i] - before.durationHistogram()[i]));
      }
      WindowStats w = now.window();
      WindowStats b = before.window();
      add(ZERO_WINDOW_PEER, w.zeroWindowPeer(), b.zeroWindowPeer());
      add(ZERO_WINDOW_LOCAL, w.zeroWindowLocal(), b.zeroWindowLocal());
      add(WINDOW_LIMITED, w.windowLimited(), b.windowLimited());
      List<Integer> first = List.of();
      for (int i = 0; i < TcpLayout.WSCALE_BUCKETS; i++) {
        long d = Math.max(0, w.scaleConnections()[i] - b.scaleConnections()[i]);
        if (d > 0 && scales.getAndAdd(i, d) == 0) {
          first = first.isEmpty() ? new ArrayList<>() : first;
          first.add(i);
        }
      }
      return first;
    }

    private void add(int counter, long now, long before) {
      counters.addAndGet(counter, Math.max(0, now - before));
    }
  }

  /** Drops of one reason for one pod, or for the node ({@code target} null). */
  public static final class Drops {
    private final Target target;
    private final String reason;
    private volatile long packets;

    Drops(Target target, String reason) {
      this.target = target;
      this.reason = reason;
    }

    /** The pod, or null for drops of the node's own network namespace without a pod socket. */
    public Target target() {
      return target;
    }

    public String reason() {
      return reason;
    }

    public long packets() {
      return packets;
    }
  }

  private record DropSeries(Target target, String reason) {}

  /** Log2 buckets of the congestion window: up to 1, 2, 4, ... 4096 segments, and more. */
  public static final int CWND_BUCKETS = 14;

  private static final int ESTABLISHED = 1;

  private static final CgroupTcpStats ZERO =
      new CgroupTcpStats(
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          new long[TcpLayout.HIST_BUCKETS],
          new long[TcpLayout.HIST_BUCKETS]);

  private final Sink sink;
  private final Map<Long, CgroupTcpStats> lastByCgroup = new HashMap<>();
  private final Map<Target, PodTcp> pods = new HashMap<>();
  private final Map<DropKey, Long> lastDrops = new HashMap<>();
  private final Map<DropSeries, Drops> drops = new HashMap<>();

  public TcpCollector(Sink sink) {
    this.sink = sink;
  }

  /**
   * Attributes the growth of the kernel's counters since the previous call. A cgroup that is not a
   * monitored pod's (yet) is remembered at its current value, so that only what happens while the
   * pod is monitored counts for it.
   */
  public synchronized void collect(
      Map<Long, CgroupTcpStats> cgroups,
      Map<DropKey, Long> kernelDrops,
      TargetIndex index,
      long nodeNetns) {
    for (Map.Entry<Long, CgroupTcpStats> e : cgroups.entrySet()) {
      CgroupTcpStats before = lastByCgroup.put(e.getKey(), e.getValue());
      Target t = index.lookup(TargetKind.CGROUP.code(), e.getKey());
      if (t == null || t.kind() != Target.Kind.POD_CGROUP) {
        continue;
      }
      PodTcp p = pods.get(t);
      if (p == null) {
        p = new PodTcp(t);
        pods.put(t, p);
        sink.tcpAdded(p);
      }
      for (int bucket : p.add(e.getValue(), before == null ? ZERO : before)) {
        sink.tcpScaleAdded(p, bucket);
      }
    }
    for (Map.Entry<DropKey, Long> e : kernelDrops.entrySet()) {
      DropKey k = e.getKey();
      Long before = lastDrops.put(k, e.getValue());
      long delta = e.getValue() - (before == null ? 0 : before);
      if (delta <= 0) {
        continue;
      }
      // with a socket: its cgroup's pod; without one: the pod whose namespace it was, or the node
      Target t =
          k.cgroupId() == 0
              ? index.podOfNetns(k.netns())
              : index.lookup(TargetKind.CGROUP.code(), k.cgroupId());
      if (t == null && (k.cgroupId() != 0 || k.netns() != nodeNetns)) {
        continue; // another node's or an unmonitored pod's drop
      }
      Drops d = drops.get(new DropSeries(t, k.reasonName()));
      if (d == null) {
        d = new Drops(t, k.reasonName());
        drops.put(new DropSeries(t, k.reasonName()), d);
        sink.dropsAdded(d);
      }
      d.packets += delta;
    }
  }

  /**
   * Samples the congestion window of every established connection of a monitored pod (a pod with
   * TCP figures already) in {@code connections}, the TCP health table: once per call, which the
   * agent makes once per status interval.
   */
  public synchronized void sampleCwnd(List<TcpConnection> connections, TargetIndex index) {
    for (TcpConnection c : connections) {
      if (c.state() != ESTABLISHED || c.closedNanos() != 0 || c.cwnd() <= 0) {
        continue;
      }
      Target t = index.lookup(TargetKind.CGROUP.code(), c.cgroupId());
      PodTcp p = t == null ? null : pods.get(t);
      if (p != null) {
        p.sampleCwnd(c.cwnd());
      }
    }
  }

  /** Forgets pods that are gone: their series disappear, their counts leave the node's totals. */
  public synchronized void forget(Predicate<Target> gone) {
    for (Iterator<PodTcp> it = pods.values().iterator(); it.hasNext(); ) {
      PodTcp p = it.next();
      if (gone.test(p.target())) {
        sink.tcpRemoved(p);
        it.remove();
      }
    }
    for (Iterator<Drops> it = drops.values().iterator(); it.hasNext(); ) {
      Drops d = it.next();
      if (d.target() != null && gone.test(d.target())) {
        sink.dropsRemoved(d);
        it.remove();
      }
    }
  }

  /** The node's TCP figures: sums over its monitored pods (and its own drops). */
  public record Totals(
      long retransmits,
      long opened,
      long closed,
      long open,
      long durationSumMicros,
      long rttSamples,
      long rttSumMicros,
      long drops,
      List<Map.Entry<String, Long>> dropReasons,
      Window window) {}

  /**
   * The node's flow-control figures since the agent started (sums over its monitored pods).
   *
   * @param zeroWindowPeer times a pod's socket was told a zero window by its peer
   * @param zeroWindowLocal times a pod's socket advertised a zero window
   * @param windowLimited times a pod's socket's sending became limited by the peer's window
   * @param withoutScaling connections established without window scaling
   */
  public record Window(
      long zeroWindowPeer, long zeroWindowLocal, long windowLimited, long withoutScaling) {}

  public synchronized Totals totals() {
    long[] sum = new long[COUNTERS];
    long open = 0;
    long withoutScaling = 0;
    for (PodTcp p : pods.values()) {
      for (int i = 0; i < COUNTERS; i++) {
        sum[i] += p.get(i);
      }
      open += p.open();
      withoutScaling += p.scaleConnections(TcpLayout.WSCALE_NONE);
    }
    Map<String, Long> byReason = new HashMap<>();
    long dropped = 0;
    for (Drops d : drops.values()) {
      byReason.merge(d.reason(), d.packets(), Long::sum);
      dropped += d.packets();
    }
    List<Map.Entry<String, Long>> reasons = new ArrayList<>(byReason.entrySet());
    reasons.sort(
        Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
            .thenComparing(Map.Entry.comparingByKey()));
    return new Totals(
        sum[RETRANSMITS],
        sum[OPENED],
        sum[CLOSED],
        open,
        sum[DURATION_SUM_MICROS],
        sum[RTT_SAMPLES],
        sum[RTT_SUM_MICROS],
        dropped,
        List.copyOf(reasons),
        new Window(
            sum[ZERO_WINDOW_PEER], sum[ZERO_WINDOW_LOCAL], sum[WINDOW_LIMITED], withoutScaling));
  }

  /** Per-pod figures (for tests). */
  public synchronized PodTcp pod(Target t) {
    return pods.get(t);
  }
}
