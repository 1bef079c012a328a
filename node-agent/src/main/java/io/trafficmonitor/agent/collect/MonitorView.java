package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.collect.sketch.CountMinSketch;
import io.trafficmonitor.agent.collect.sketch.HeavyHitters;
import io.trafficmonitor.agent.collect.sketch.HyperLogLog;
import io.trafficmonitor.agent.spec.Applications;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.api.v1alpha1.Peer;
import io.trafficmonitor.datapath.flow.FlowKey;
import io.trafficmonitor.datapath.flow.FlowStats;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One monitor's figures on this node: its series and rates (announced to its metrics sink), totals,
 * distinct flows and peers, top talkers and the flows it counts, for its status. Fed by the shared
 * {@link Collector}, which calls it on the collection thread with the collector's lock held; the
 * reads below take the same lock.
 */
public final class MonitorView {
  static final int TOP_TALKERS = 10;

  private final Object lock;
  private final MetricsSink sink;
  private final long rateWindowNanos;
  private final Map<Series.Key, Series> series = new HashMap<>();
  private final Map<RateKey, RateWindow> rates = new HashMap<>();
  private final Map<ApplicationSeries.Key, ApplicationSeries> applicationSeries = new HashMap<>();
  private final Map<JitterSeries.Key, JitterSeries> jitterSeries = new HashMap<>();
  private final Map<TcpFlagSeries.Key, TcpFlagSeries> tcpFlagSeries = new HashMap<>();
  private final Map<PeerSeries.Key, PeerSeries> peerSeries = new HashMap<>();

  /** What names a remote address as this monitor may see it; null: no peer series. */
  private Function<String, Peer> peers;

  private volatile boolean jitter;
  private final Set<Binding> bindings = new LinkedHashSet<>();
  private final NodeTotals totals = new NodeTotals();
  private volatile Applications applications = Applications.DEFAULTS;
  private long lastCollect;
  private boolean closed;

  /** The monitor's last intervals (spec.interval), for the agent's API. */
  private final IntervalRecords records = new IntervalRecords();

  private long intervalNanos = 1_000_000_000L;
  private long recordStart;

  /** When the cumulative figures began (epoch nanoseconds): now, or what a checkpoint carried. */
  private long sinceEpochNanos = epochNanos(Instant.now());

  /** Whether the cumulative figures continue a previous agent's checkpoint. */
  private boolean restored;

  /** Distinct 5-tuples and remote addresses since start (HyperLogLog, 0.81% standard error). */
  private final HyperLogLog distinctFlows = new HyperLogLog(HyperLogLog.DEFAULT_PRECISION);

  private final HyperLogLog distinctPeers = new HyperLogLog(HyperLogLog.DEFAULT_PRECISION);

  /**
   * Remote addresses by bytes since start (Count-Min Sketch with the 10 busiest kept): 1024 x 5
   * counters, 40 KiB (docs/benchmarks/sketches.md: exact top 10 on its Zipf workload, within 2.7e-3
   * x N with probability 99.3%). One per monitor served: 4096 x 5 (160 KiB) filled a 64 MiB heap
   * with 100 monitors (monitors.md).
   */
  private final HeavyHitters<String> talkers =
      new HeavyHitters<>(TOP_TALKERS, CountMinSketch.forError(0.003, 0.01));

  /** Source and destination prefixes by bytes since start (spec.prefixes). */
  private final HeavyPrefixes prefixes = new HeavyPrefixes();

  private record RateKey(Target target, String direction) {}

  /** A view fed by {@code collector}, announcing its series to {@code sink}. */
  public MonitorView(Collector collector, MetricsSink sink) {
    this.lock = collector;
    this.sink = sink;
    this.rateWindowNanos = collector.rateWindowNanos();
  }

  Binding bind(FlowEntry e, Target t, long now) {
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
    distinctFlows.add(e.tupleHash);
    distinctPeers.add(e.peerHash);
    Binding b = new Binding(e, this, s, r);
    if (t.inTotals()) {
      FlowKey k = e.id.decode();
      boolean ports = k.protocol() == 6 || k.protocol() == 17 || k.protocol() == 132;
      b.application =
          ports ? applications.name(k.protocol(), k.sourcePort(), k.destinationPort()) : "";
      if (!b.application.isEmpty()) {
        b.applicationSeries = applicationSeries(new ApplicationSeries.Key(t, dir, b.application));
      }
      if (peers != null) {
        b.peerSeries = peerSeries(PeerSeries.Key.of(t, dir, peers.apply(e.peer)));
      }
    }
    bindings.add(b);
    return b;
  }

  private PeerSeries peerSeries(PeerSeries.Key key) {
    PeerSeries p = peerSeries.get(key);
    if (p == null) {
      p = new PeerSeries(key);
      peerSeries.put(key, p);
      sink.peerAdded(p);
    }
    return p;
  }

  /**
   * Names again the peers of flows bound before their address was known as a cluster address (a pod
   * seen by the agent's watch after its first packets) or before spec.flows.peers was on: their
   * bytes from now on go to the peer's series.
   */
  private void renamePeers() {
    for (Binding b : bindings) {
      if (b.flow.target.inTotals() && (b.peerSeries == null || b.peerSeries.key().world())) {
        FlowEntry e = b.flow;
        PeerSeries.Key key =
            PeerSeries.Key.of(e.target, e.ingress ? "ingress" : "egress", peers.apply(e.peer));
        if (b.peerSeries == null || !key.equals(b.peerSeries.key())) {
          b.peerSeries = peerSeries(key);
        }
      }
    }
  }

  /**
   * Counts traffic per peer from now on, naming addresses with {@code names} (as this monitor may
   * see them), or stops it ({@code names} null: the peer series go).
   */
  public void peers(Function<String, Peer> names) {
    synchronized (lock) {
      peers = names;
      if (names == null) {
        peerSeries.values().forEach(sink::peerRemoved);
        peerSeries.clear();
        bindings.forEach(b -> b.peerSeries = null);
      }
    }
  }

  /** Peer series currently exported (for tests). */
  public List<PeerSeries> peerSeries() {
    synchronized (lock) {
      return new ArrayList<>(peerSeries.values());
    }
  }

  private ApplicationSeries applicationSeries(ApplicationSeries.Key key) {
    ApplicationSeries a = applicationSeries.get(key);
    if (a == null) {
      a = new ApplicationSeries(key);
      applicationSeries.put(key, a);
      sink.applicationAdded(a);
    }
    return a;
  }

  void unbind(Binding b) {
    b.removed = true;
    bindings.remove(b);
  }

  void add(Binding b, long db, long dp, long dpl, long[] sizeDeltas) {
    FlowEntry e = b.flow;
    b.totalBytes += db;
    b.totalPackets += dp;
    b.totalPayload += dpl;
    b.series.add(db, dp);
    b.series.addPayload(dpl);
    if (sizeDeltas != null) {
      for (int i = 0; i < sizeDeltas.length; i++) {
        if (sizeDeltas[i] != 0) {
          b.series.addSize(i, sizeDeltas[i]);
        }
      }
    }
    b.rate.add(db, dp);
    if (b.applicationSeries != null) {
      b.applicationSeries.add(db, dp);
    }
    if (b.peerSeries != null) {
      b.peerSeries.add(db, dp);
    }
    if (e.target.inTotals()) {
      totals.add(e.ingress, db, dp, dpl);
      talkers.add(e.peer, e.peerHash, db);
      prefixes.add(e, db);
    }
  }

  /** The flow's packets carried {@code newFlags} for the first time. */
  void tcpFlags(Binding b, int newFlags) {
    FlowEntry f = b.flow;
    if (!f.target.inTotals()) {
      return; // a pod's veth: its sockets count the same flows
    }
    for (int i = 0; i < TcpFlagSeries.BITS.length; i++) {
      if ((newFlags & TcpFlagSeries.BITS[i]) != 0) {
        tcpFlagSeries(
                new TcpFlagSeries.Key(
                    f.target, f.ingress ? "ingress" : "egress", TcpFlagSeries.NAMES[i]))
            .add(1);
      }
    }
  }

  private TcpFlagSeries tcpFlagSeries(TcpFlagSeries.Key key) {
    TcpFlagSeries s = tcpFlagSeries.get(key);
    if (s == null) {
      s = new TcpFlagSeries(key);
      tcpFlagSeries.put(key, s);
      sink.tcpFlagAdded(s);
    }
    return s;
  }

  /** TCP flag series currently exported (for tests). */
  public List<TcpFlagSeries> tcpFlagSeries() {
    synchronized (lock) {
      return new ArrayList<>(tcpFlagSeries.values());
    }
  }

  void addSequence(Binding b, long[] delta) {
    if (b.series.addSequence(delta)) {
      sink.sequenceSeen(b.series);
    }
    if (b.flow.target.inTotals()) {
      for (int i = 0; i < delta.length; i++) {
        totals.sequence[i] += delta[i];
      }
    }
  }

  /**
   * Closes the view for good (its monitor stopped being served): its series go, and no flow binds
   * to it again, even one routed by a routing made before it closed.
   */
  void close() {
    closed = true;
    forget(t -> true);
  }

  boolean closed() {
    return closed;
  }

  void tick(long now) {
    for (RateWindow r : rates.values()) {
      r.tick(now);
    }
    lastCollect = now;
    if (recordStart == 0) {
      recordStart = now;
    } else if (now - recordStart >= intervalNanos - intervalNanos / 10) {
      record(now);
    }
  }

  /**
   * Closes the interval that ends at collection {@code now}: what every series counted since the
   * previous record, by target (pod sockets and node interfaces: each pod's packet once).
   */
  private void record(long now) {
    Map<Target, long[]> byTarget = new LinkedHashMap<>();
    long[] total = new long[4]; // rx bytes, tx bytes, rx packets, tx packets
    for (Series s : series.values()) {
      long bytes = s.bytes();
      long packets = s.packets();
      long db = bytes - s.recordBytes;
      long dp = packets - s.recordPackets;
      s.recordBytes = bytes;
      s.recordPackets = packets;
      Target t = s.key().target();
      if ((db == 0 && dp == 0) || !t.inTotals()) {
        continue;
      }
      int rx = s.key().direction().equals("ingress") ? 0 : 1;
      long[] c = byTarget.computeIfAbsent(t, k -> new long[4]);
      c[rx] += db;
      c[rx + 2] += dp;
      total[rx] += db;
      total[rx + 2] += dp;
    }
    List<IntervalRecords.TargetCounts> targets = new ArrayList<>(byTarget.size());
    byTarget.forEach(
        (t, c) -> targets.add(new IntervalRecords.TargetCounts(t, c[0], c[1], c[2], c[3])));
    records.add(
        new IntervalRecords.Record(
            records.next(),
            epochNanos(Instant.now()),
            now - recordStart,
            total[0],
            total[1],
            total[2],
            total[3],
            List.copyOf(targets)));
    recordStart = now;
  }

  /** The monitor's interval (spec.interval): one record each ({@link #records()}). */
  public void interval(Duration interval) {
    synchronized (lock) {
      intervalNanos = interval.toNanos();
    }
  }

  /** The monitor's last interval records. */
  public IntervalRecords records() {
    return records;
  }

  /**
   * The monitor's cumulative figures: in all, and per pod cgroup and node interface it counts now
   * (from its series, a few per target: no flow is walked), since {@code sinceEpochNanos}.
   */
  public record Totals(
      long sinceEpochNanos,
      boolean restored,
      long rxBytes,
      long txBytes,
      long rxPackets,
      long txPackets,
      List<IntervalRecords.TargetCounts> targets) {}

  /** The cumulative figures now ({@link Totals}). */
  public Totals totals() {
    synchronized (lock) {
      Map<Target, long[]> byTarget = new LinkedHashMap<>();
      for (Series s : series.values()) {
        Target t = s.key().target();
        if (!t.inTotals()) {
          continue; // a pod's veth: its cgroup counts the same packets
        }
        int rx = s.key().direction().equals("ingress") ? 0 : 1;
        long[] c = byTarget.computeIfAbsent(t, k -> new long[4]);
        c[rx] += s.bytes();
        c[rx + 2] += s.packets();
      }
      List<IntervalRecords.TargetCounts> targets = new ArrayList<>(byTarget.size());
      byTarget.forEach(
          (t, c) -> targets.add(new IntervalRecords.TargetCounts(t, c[0], c[1], c[2], c[3])));
      return new Totals(
          sinceEpochNanos,
          restored,
          totals.rxBytes,
          totals.txBytes,
          totals.rxPackets,
          totals.txPackets,
          targets);
    }
  }

  private static long epochNanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /**
   * Drops the series and rates of targets this monitor no longer counts (a deleted pod, a pod it no
   * longer selects); their flows stop feeding it.
   */
  void forget(Predicate<Target> gone) {
    removeGone(series.values(), v -> v.key().target(), gone, sink::seriesRemoved);
    removeGone(applicationSeries.values(), v -> v.key().target(), gone, sink::applicationRemoved);
    removeGone(peerSeries.values(), v -> v.key().target(), gone, sink::peerRemoved);
    removeGone(tcpFlagSeries.values(), v -> v.key().target(), gone, sink::tcpFlagRemoved);
    removeGone(jitterSeries.values(), v -> v.key().target(), gone, sink::jitterRemoved);
    for (Iterator<Map.Entry<RateKey, RateWindow>> it = rates.entrySet().iterator();
        it.hasNext(); ) {
      RateKey k = it.next().getKey();
      if (gone.test(k.target())) {
        sink.rateRemoved(k.target(), k.direction());
        it.remove();
      }
    }
    bindings.removeIf(
        b -> {
          if (gone.test(b.flow.target)) {
            b.removed = true;
            return true;
          }
          return false;
        });
  }

  /** Removes the series of {@code series} whose target is gone, telling {@code removed}. */
  private static <S> void removeGone(
      Collection<S> series,
      Function<S, Target> target,
      Predicate<Target> gone,
      Consumer<S> removed) {
    series.removeIf(
        s -> {
          if (gone.test(target.apply(s))) {
            removed.accept(s);
            return true;
          }
          return false;
        });
  }

  /** Totals and the top flows since the previous call (the status interval). */
  public StatusSnapshot snapshot(int topN) {
    synchronized (lock) {
      List<StatusSnapshot.TopFlow> top = TopFlows.select(bindings, topN, applications);
      if (peers != null) {
        renamePeers();
      }
      long active = 0;
      for (Binding b : bindings) {
        b.markBytes = b.totalBytes;
        b.markPackets = b.totalPackets;
        if (b.flow.target.inTotals()) {
          active++;
          if (jitter && b.flow.intervals >= 2) {
            sampleJitter(b);
          }
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
              Math.max(
                  0, totals.sequence[Series.SEQ_MISSING] - totals.sequence[Series.SEQ_REVERSE])),
          active,
          distinctFlows.estimate(),
          distinctPeers.estimate(),
          talkers.top().stream()
              .map(h -> new StatusSnapshot.Talker(h.key(), h.estimate()))
              .toList(),
          top,
          prefixes.list(totals.rxBytes + totals.txBytes));
    }
  }

  private void sampleJitter(Binding b) {
    FlowEntry f = b.flow;
    JitterSeries.Key key = new JitterSeries.Key(f.target, f.ingress ? "ingress" : "egress");
    JitterSeries j = jitterSeries.get(key);
    if (j == null) {
      j = new JitterSeries(key);
      jitterSeries.put(key, j);
      sink.jitterAdded(j);
    }
    j.sample(FlowStats.jitter(f.intervals, f.intervalSumNanos, f.intervalSumSquaresMicros));
  }

  /**
   * Whether every flow's jitter is sampled into the monitor's jitter series at each status snapshot
   * (spec.flows.jitter); without it the series go.
   */
  public void jitter(boolean on) {
    synchronized (lock) {
      jitter = on;
      if (!on) {
        jitterSeries.values().forEach(sink::jitterRemoved);
        jitterSeries.clear();
      }
    }
  }

  /** Jitter series currently exported (for tests). */
  public List<JitterSeries> jitterSeries() {
    synchronized (lock) {
      return new ArrayList<>(jitterSeries.values());
    }
  }

  /**
   * The share of the monitor's bytes a heavy prefix must reach (spec.prefixes), or 0 to stop
   * counting prefixes and forget their counts.
   */
  public void prefixes(double threshold) {
    synchronized (lock) {
      prefixes.threshold(threshold);
    }
  }

  /** Bytes of heap the prefix counters hold (for tests and the bench). */
  public long prefixMemoryBytes() {
    synchronized (lock) {
      return prefixes.memoryBytes();
    }
  }

  /** The application names used for top flows and application series from now on. */
  public void applications(Applications apps) {
    applications = apps;
  }

  /** Series currently exported (for tests and self-metrics). */
  public List<Series> series() {
    synchronized (lock) {
      return new ArrayList<>(series.values());
    }
  }

  /** Application series currently exported (for tests). */
  public List<ApplicationSeries> applicationSeries() {
    synchronized (lock) {
      return new ArrayList<>(applicationSeries.values());
    }
  }

  /** Flows this monitor counts. */
  public int flows() {
    synchronized (lock) {
      return bindings.size();
    }
  }

  /** Writes this monitor's cumulative figures (series and totals) for the next agent. */
  void save(DataOutputStream out) throws IOException {
    synchronized (lock) {
      for (long v :
          new long[] {
            totals.rxBytes,
            totals.txBytes,
            totals.rxPackets,
            totals.txPackets,
            totals.rxPayload,
            totals.txPayload
          }) {
        out.writeLong(v);
      }
      for (long v : totals.sequence) {
        out.writeLong(v);
      }
      out.writeInt(series.size());
      for (Series s : series.values()) {
        Target t = s.key().target();
        writeTarget(out, t);
        out.writeUTF(s.key().direction());
        out.writeUTF(s.key().protocol());
        out.writeLong(s.bytes());
        out.writeLong(s.packets());
        out.writeLong(s.payloadBytes());
        long[] sizes = s.sizes();
        out.writeInt(sizes.length);
        for (long v : sizes) {
          out.writeLong(v);
        }
        out.writeBoolean(s.sequenced());
        for (int q = 0; q < Series.SEQ_FIGURES; q++) {
          out.writeLong(s.sequence(q));
        }
      }
      // Application series, after everything an agent without them reads.
      out.writeInt(applicationSeries.size());
      for (ApplicationSeries a : applicationSeries.values()) {
        Target t = a.key().target();
        writeTarget(out, t);
        out.writeUTF(a.key().direction());
        out.writeUTF(a.key().application());
        out.writeLong(a.bytes());
        out.writeLong(a.packets());
      }
      // TCP flag series, after the application series
      out.writeInt(tcpFlagSeries.size());
      for (TcpFlagSeries f : tcpFlagSeries.values()) {
        Target t = f.key().target();
        writeTarget(out, t);
        out.writeUTF(f.key().direction());
        out.writeUTF(f.key().flag());
        out.writeLong(f.flows());
      }
      // Peer series, after the TCP flag series
      out.writeInt(peerSeries.size());
      for (PeerSeries s : peerSeries.values()) {
        writeTarget(out, s.key().target());
        out.writeUTF(s.key().direction());
        out.writeUTF(s.key().kind());
        out.writeUTF(s.key().namespace());
        out.writeUTF(s.key().name());
        out.writeLong(s.bytes());
        out.writeLong(s.packets());
      }
      // Prefix counters, after the peer series
      prefixes.save(out);
      // When the figures began, after the prefix counters
      out.writeLong(sinceEpochNanos);
    }
  }

  /**
   * Continues from a previous agent's {@link #save}: the series and totals go on from where they
   * were (so counters never go back), before the first collection feeds this view.
   */
  void restore(DataInputStream in) throws IOException {
    synchronized (lock) {
      totals.rxBytes = in.readLong();
      totals.txBytes = in.readLong();
      totals.rxPackets = in.readLong();
      totals.txPackets = in.readLong();
      totals.rxPayload = in.readLong();
      totals.txPayload = in.readLong();
      for (int q = 0; q < totals.sequence.length; q++) {
        totals.sequence[q] = in.readLong();
      }
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        Target t = readTarget(in);
        Series.Key key = new Series.Key(t, in.readUTF(), in.readUTF());
        Series s = new Series(key);
        s.add(in.readLong(), in.readLong());
        s.addPayload(in.readLong());
        int buckets = in.readInt();
        for (int b = 0; b < buckets; b++) {
          s.addSize(b, in.readLong());
        }
        boolean sequenced = in.readBoolean();
        long[] seq = new long[Series.SEQ_FIGURES];
        for (int q = 0; q < seq.length; q++) {
          seq[q] = in.readLong();
        }
        if (series.putIfAbsent(key, s) != null) {
          continue;
        }
        s.recordBytes = s.bytes(); // what the previous agent counted is in no interval of this one
        s.recordPackets = s.packets();
        sink.seriesAdded(s);
        if (sequenced && s.addSequence(seq)) {
          sink.sequenceSeen(s);
        }
      }
      if (in.available() > 0) { // a checkpoint of an agent without application series has none
        int apps = in.readInt();
        for (int i = 0; i < apps; i++) {
          Target t = readTarget(in);
          ApplicationSeries.Key key = new ApplicationSeries.Key(t, in.readUTF(), in.readUTF());
          long bytes = in.readLong();
          long packets = in.readLong();
          if (!applicationSeries.containsKey(key)) {
            applicationSeries(key).add(bytes, packets);
          }
        }
      }
      if (in.available() > 0) { // an agent without TCP flag series wrote none
        int flags = in.readInt();
        for (int i = 0; i < flags; i++) {
          Target t = readTarget(in);
          TcpFlagSeries.Key key = new TcpFlagSeries.Key(t, in.readUTF(), in.readUTF());
          long flows = in.readLong();
          if (!tcpFlagSeries.containsKey(key)) {
            tcpFlagSeries(key).add(flows);
          }
        }
      }
      if (in.available() > 0) { // an agent without peer series wrote none
        int n2 = in.readInt();
        for (int i = 0; i < n2; i++) {
          Target t = readTarget(in);
          PeerSeries.Key key =
              new PeerSeries.Key(t, in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF());
          long bytes = in.readLong();
          long packets = in.readLong();
          if (!peerSeries.containsKey(key)) {
            peerSeries(key).add(bytes, packets);
          }
        }
      }
      if (in.available() > 0) { // an agent without prefix counters wrote none
        prefixes.restore(in);
      }
      if (in.available() > 0) { // an agent without it wrote none: the figures began before now
        sinceEpochNanos = in.readLong();
      }
      restored = true;
    }
  }

  private static void writeTarget(DataOutputStream out, Target t) throws IOException {
    out.writeUTF(t.kind().name());
    out.writeUTF(t.namespace());
    out.writeUTF(t.pod());
    out.writeUTF(t.iface());
  }

  private static Target readTarget(DataInputStream in) throws IOException {
    return new Target(Target.Kind.valueOf(in.readUTF()), in.readUTF(), in.readUTF(), in.readUTF());
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
