package io.trafficmonitor.agent.export;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.prometheus.metrics.model.snapshots.Labels;
import io.trafficmonitor.agent.collect.ApplicationSeries;
import io.trafficmonitor.agent.collect.ByteCounts;
import io.trafficmonitor.agent.collect.JitterSeries;
import io.trafficmonitor.agent.collect.MetricsSink;
import io.trafficmonitor.agent.collect.PeerSeries;
import io.trafficmonitor.agent.collect.RateWindow;
import io.trafficmonitor.agent.collect.Series;
import io.trafficmonitor.agent.collect.TcpCollector;
import io.trafficmonitor.agent.collect.TcpFlagSeries;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.datapath.flow.FlowLayout;
import io.trafficmonitor.datapath.tcp.TcpLayout;
import io.trafficmonitor.datapath.tcp.WindowStats;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * One monitor's Prometheus series, as {@code docs/metrics.md} lists them. A monitor is named by
 * {@code monitor_namespace} (empty for a ClusterTrafficMonitor) and {@code monitor}; a target's
 * traffic is in the families of where it is counted: {@code trafficmonitor_pod_*} at a pod's
 * sockets (labels {@code pod_namespace}, {@code pod_name}), {@code trafficmonitor_pod_link_*} at
 * its host-side veth (the same labels), {@code trafficmonitor_interface_*} at a node interface
 * ({@code interface}). Bounded labels only, and none that a scrape adds itself ({@code namespace},
 * {@code pod}, ...). A target's series disappear with it, and all of them with the monitor.
 *
 * <p>Each group of series (a target's direction and protocol, its sequence figures, a rate, a pod's
 * TCP figures, a drop reason) is registered only if the node's {@link SeriesBudget} admits it; its
 * samples go back to the budget when the group goes. A refused group is not registered later (the
 * collector announces a group once); the groups refused and not gone are in the monitor's status
 * ({@link #budgetError}).
 */
public final class AgentMetrics implements MetricsSink, TcpCollector.Sink {
  /**
   * Where a target's packets are counted: the prefix of its families, a word for the help, and what
   * its groups are to the series budget.
   */
  private record Where(
      String prefix, String help, Histograms.Family packetSize, SeriesBudget.Kind kind) {
    /** Samples of one direction and protocol: bytes, packets, payload and the size histogram. */
    int seriesSamples() {
      return 3 + samples(packetSize);
    }
  }

  private static final Map<Target.Kind, Where> WHERE = new EnumMap<>(Target.Kind.class);

  static {
    where(
        Target.Kind.POD_CGROUP,
        "trafficmonitor.pod.",
        "at the pod's sockets",
        SeriesBudget.Kind.POD);
    where(
        Target.Kind.POD_VETH,
        "trafficmonitor.pod.link.",
        "at the pod's host-side veth",
        SeriesBudget.Kind.POD_LINK);
    where(
        Target.Kind.NODE_INTERFACE,
        "trafficmonitor.interface.",
        "at a node interface",
        SeriesBudget.Kind.INTERFACE);
  }

  private static void where(
      Target.Kind kind, String prefix, String help, SeriesBudget.Kind budgetKind) {
    Histograms.Family packetSize =
        new Histograms.Family(
            prefix.replace('.', '_') + "packet_size_bytes",
            "L3 packet sizes (per GSO segment) " + help + ", log2 buckets from 64 to 4096 bytes",
            Histograms.powersOfTwo(FlowLayout.HIST_SHIFT, FlowLayout.HIST_BUCKETS - 1, 1));
    WHERE.put(kind, new Where(prefix, " (" + help + ")", packetSize, budgetKind));
  }

  static final Histograms.Family TCP_RTT =
      new Histograms.Family(
          "trafficmonitor_tcp_rtt_seconds",
          "Smoothed TCP round-trip time, sampled at every segment received, log2 buckets",
          Histograms.powersOfTwo(0, TcpLayout.HIST_BUCKETS - 1, 1e-6));

  static final Histograms.Family TCP_DURATION =
      new Histograms.Family(
          "trafficmonitor_tcp_connection_duration_seconds",
          "Lifetime of TCP connections from establishment to close, log2 buckets",
          Histograms.powersOfTwo(0, TcpLayout.HIST_BUCKETS - 1, 1e-6));

  static final Histograms.Family TCP_CWND =
      new Histograms.Family(
          "trafficmonitor_tcp_cwnd_segments",
          "Congestion window of the pod's established TCP connections, in segments, sampled once per"
              + " connection and status interval, log2 buckets",
          Histograms.powersOfTwo(-1, TcpCollector.CWND_BUCKETS - 1, 1));

  private static final Map<Target.Kind, Histograms.Family> FLOW_JITTER =
      new EnumMap<>(Target.Kind.class);

  static {
    for (Target.Kind k : List.of(Target.Kind.POD_CGROUP, Target.Kind.NODE_INTERFACE)) {
      Where w = WHERE.get(k);
      FLOW_JITTER.put(
          k,
          new Histograms.Family(
              w.prefix().replace('.', '_') + "flow_jitter_seconds",
              "Jitter (standard deviation of inter-arrival times) of every flow, each sampled once"
                  + " per status interval (spec.flows.jitter)"
                  + w.help()
                  + ", log2 buckets",
              Histograms.powersOfTwo(-1, JitterSeries.BUCKETS - 1, 1e-6)));
    }
  }

  /** Samples of the sequence figures of one series: 4 counters, gaps of 2 sizes. */
  static final int SEQUENCE_SAMPLES = 5;

  /** Samples of one application's or peer's traffic at a target: bytes and packets. */
  static final int BYTE_COUNT_SAMPLES = 2;

  /** Samples of one flag's flow count at a target and direction. */
  static final int TCP_FLAG_SAMPLES = 1;

  /** Samples of one rate: bits and packets per second. */
  static final int RATE_SAMPLES = 2;

  /**
   * Samples of a pod's TCP figures: 8 counters (3 of them flow control), 1 gauge, the RTT, duration
   * and cwnd histograms. Each window scale its connections show adds one ({@link
   * #TCP_SCALE_SAMPLES}).
   */
  static final int TCP_SAMPLES = 9 + samples(TCP_RTT) + samples(TCP_DURATION) + samples(TCP_CWND);

  static final int TCP_SCALE_SAMPLES = 1;

  static final String ZERO_WINDOW_HELP =
      "Times a socket of the pod entered a zero receive window: advertised by its peer (side"
          + " peer: the pod had to stop sending) or by itself (side local: the pod did not read"
          + " fast enough)";

  /** Samples of one drop reason. */
  static final int DROPS_SAMPLES = 1;

  /** Samples of the monitor's own gauges (pods and interfaces monitored), always exported. */
  static final int OWN_SAMPLES = 2;

  private final MeterRegistry registry;
  private final Histograms histograms;
  private final SeriesBudget.Account budget;
  private final Tags monitorTags;
  private final Map<Object, List<Meter>> meters = new ConcurrentHashMap<>();
  private final Set<Object> histogramKeys = ConcurrentHashMap.newKeySet();
  private final List<Meter> own = new ArrayList<>();
  private final AtomicLong pods = new AtomicLong();
  private final AtomicLong interfaces = new AtomicLong();
  private boolean closed;

  /** A monitor's metrics in a registry of their own (tests and benchmarks). */
  public AgentMetrics(MeterRegistry registry, String monitorNamespace, String monitor) {
    this(new NodeMetrics(registry), monitorNamespace, monitor);
  }

  /**
   * A monitor's metrics beside the node's; {@link #close} removes them all. {@code
   * monitorNamespace}: empty for a ClusterTrafficMonitor.
   */
  public AgentMetrics(NodeMetrics node, String monitorNamespace, String monitor) {
    this.registry = node.registry();
    this.histograms = node.histograms();
    this.budget = node.budget().open(OWN_SAMPLES);
    this.monitorTags = Tags.of("monitor_namespace", monitorNamespace, "monitor", monitor);
    own.add(
        Gauge.builder("trafficmonitor.pods.monitored", pods, AtomicLong::get)
            .description("Pods of the monitor on this node with programs attached")
            .tags(monitorTags)
            .register(registry));
    own.add(
        Gauge.builder("trafficmonitor.interfaces.monitored", interfaces, AtomicLong::get)
            .description("Node interfaces of the monitor with programs attached")
            .tags(monitorTags)
            .register(registry));
  }

  public void targets(int podCount, int interfaceCount) {
    pods.set(podCount);
    interfaces.set(interfaceCount);
  }

  /** Removes every series of this monitor (it no longer selects the node, or it was deleted). */
  public synchronized void close() {
    closed = true;
    budget.close();
    own.forEach(registry::remove);
    own.clear();
    meters.values().forEach(l -> l.forEach(registry::remove));
    meters.clear();
    histogramKeys.forEach(histograms::remove);
    histogramKeys.clear();
  }

  /** The monitor's labels, then the pod's or the node interface's. */
  private Tags targetTags(Target t) {
    return t.kind() == Target.Kind.NODE_INTERFACE
        ? monitorTags.and("interface", t.iface())
        : monitorTags.and("pod_namespace", t.namespace(), "pod_name", t.pod());
  }

  @Override
  public synchronized void seriesAdded(Series s) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Target t = s.key().target();
    Where w = WHERE.get(t.kind());
    if (!budget.admit(s.key(), w.kind(), w.seriesSamples())) {
      return;
    }
    Tags tags = targetTags(t).and("direction", s.key().direction(), "protocol", s.key().protocol());
    meters.put(
        s.key(),
        List.of(
            counter(w, "bytes", s, Series::bytes, "L3 bytes (IP header included)", tags),
            counter(w, "packets", s, Series::packets, "Packets (GSO segments one by one)", tags),
            counter(
                w,
                "payload.bytes",
                s,
                Series::payloadBytes,
                "L4 payload bytes, without L2-L4 headers (goodput)",
                tags)));
    histogram(s.key(), w.packetSize(), tags, () -> new Histograms.Data(s.sizes(), s.bytes()));
  }

  @Override
  public synchronized void seriesRemoved(Series s) {
    remove(s.key());
    remove(List.of(s.key(), "sequence"));
    removeHistogram(s.key());
    budget.release(s.key());
    budget.release(List.of(s.key(), "sequence"));
  }

  @Override
  public synchronized void applicationAdded(ApplicationSeries a) {
    byteCounts(
        a,
        a.key(),
        a.key().target(),
        "application",
        "L3 bytes of flows whose port names an application (spec.applications, HTTP, HTTPS, DNS)",
        "Packets of flows whose port names an application",
        Tags.of("direction", a.key().direction(), "application", a.key().application()));
  }

  @Override
  public synchronized void applicationRemoved(ApplicationSeries a) {
    remove(a.key());
    budget.release(a.key());
  }

  @Override
  public synchronized void peerAdded(PeerSeries p) {
    byteCounts(
        p,
        p.key(),
        p.key().target(),
        "peer",
        "L3 bytes exchanged with a peer, by its workload (spec.flows.peers)",
        "Packets exchanged with a peer",
        Tags.of(
            "direction", p.key().direction(),
            "peer_kind", p.key().kind(),
            "peer_namespace", p.key().namespace(),
            "peer_name", p.key().name()));
  }

  /**
   * The {@code <measure>.bytes} and {@code <measure>.packets} counters of {@code counts} at {@code
   * target}, with {@code tags} beside the target's, if the series budget admits them.
   */
  private void byteCounts(
      ByteCounts counts,
      Object key,
      Target target,
      String measure,
      String bytesHelp,
      String packetsHelp,
      Tags tags) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Where w = WHERE.get(target.kind());
    if (!budget.admit(key, w.kind(), BYTE_COUNT_SAMPLES)) {
      return;
    }
    Tags all = targetTags(target).and(tags);
    meters.put(
        key,
        List.of(
            counter(w, measure + ".bytes", counts, ByteCounts::bytes, bytesHelp, all),
            counter(w, measure + ".packets", counts, ByteCounts::packets, packetsHelp, all)));
  }

  @Override
  public synchronized void peerRemoved(PeerSeries p) {
    remove(p.key());
    budget.release(p.key());
  }

  @Override
  public synchronized void tcpFlagAdded(TcpFlagSeries f) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Target t = f.key().target();
    Where w = WHERE.get(t.kind());
    if (!budget.admit(f.key(), w.kind(), TCP_FLAG_SAMPLES)) {
      return;
    }
    meters.put(
        f.key(),
        List.of(
            counter(
                w,
                "tcp.flag.flows",
                f,
                TcpFlagSeries::flows,
                "TCP flows whose packets carried the flag (SYN, FIN, RST), each flow once per flag",
                targetTags(t).and("direction", f.key().direction(), "flag", f.key().flag()))));
  }

  @Override
  public synchronized void tcpFlagRemoved(TcpFlagSeries f) {
    remove(f.key());
    budget.release(f.key());
  }

  @Override
  public synchronized void jitterAdded(JitterSeries j) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Target t = j.key().target();
    Histograms.Family family = FLOW_JITTER.get(t.kind());
    if (family == null || !budget.admit(j.key(), WHERE.get(t.kind()).kind(), samples(family))) {
      return;
    }
    histogram(
        j.key(),
        family,
        targetTags(t).and("direction", j.key().direction()),
        () -> new Histograms.Data(j.counts(), j.sumSeconds()));
  }

  @Override
  public synchronized void jitterRemoved(JitterSeries j) {
    removeHistogram(j.key());
    budget.release(j.key());
  }

  @Override
  public synchronized void sequenceSeen(Series s) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Target t = s.key().target();
    Where w = WHERE.get(t.kind());
    Object key = List.of(s.key(), "sequence");
    if (budget.refused(key)) {
      return; // refused already
    }
    if (!budget.admitted(s.key()) && !budget.admitted(key)) {
      // its series were refused: so are its sequence figures, which would mean little alone
      budget.refuse(key, w.kind());
      return;
    }
    if (!budget.admit(key, w.kind(), SEQUENCE_SAMPLES)) {
      return;
    }
    Tags tags = targetTags(t).and("direction", s.key().direction(), "protocol", s.key().protocol());
    String gaps = "Jumps over missing sequence numbers (small: up to gapThreshold, or big)";
    meters.put(
        key,
        List.of(
            counter(
                w,
                "sequence.received.packets",
                s,
                x -> x.sequence(Series.SEQ_RECEIVED),
                "Packets that carried a sequence number (spec.sequence)",
                tags),
            counter(
                w,
                "sequence.lost.packets",
                s,
                Series::sequenceLost,
                "Estimated lost packets: numbers skipped, minus late arrivals",
                tags),
            counter(
                w,
                "sequence.reverse.packets",
                s,
                x -> x.sequence(Series.SEQ_REVERSE),
                "Packets below the expected number: out of order or duplicate",
                tags),
            counter(
                w,
                "sequence.gaps",
                s,
                x -> x.sequence(Series.SEQ_SMALL_GAPS),
                gaps,
                tags.and("size", "small")),
            counter(
                w,
                "sequence.gaps",
                s,
                x -> x.sequence(Series.SEQ_BIG_GAPS),
                gaps,
                tags.and("size", "big"))));
  }

  @Override
  public synchronized void rateAdded(Target target, String direction, RateWindow rate) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Where w = WHERE.get(target.kind());
    if (!budget.admit(List.of(target, direction), w.kind(), RATE_SAMPLES)) {
      return;
    }
    Tags tags = targetTags(target).and("direction", direction);
    meters.put(
        List.of(target, direction),
        List.of(
            Gauge.builder(w.prefix() + "bits.per.second", rate, RateWindow::bitsPerSecond)
                .description("Bit rate over the last window of at least one second" + w.help())
                .tags(tags)
                .register(registry),
            Gauge.builder(w.prefix() + "packets.per.second", rate, RateWindow::packetsPerSecond)
                .description("Packet rate over the last window of at least one second" + w.help())
                .tags(tags)
                .register(registry)));
  }

  @Override
  public synchronized void rateRemoved(Target target, String direction) {
    remove(List.of(target, direction));
    budget.release(List.of(target, direction));
  }

  @Override
  public synchronized void tcpAdded(TcpCollector.PodTcp p) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    if (!budget.admit(p, SeriesBudget.Kind.TCP, TCP_SAMPLES)) {
      return;
    }
    Tags tags = targetTags(p.target());
    meters.put(
        p,
        List.of(
            tcpCounter(
                "retransmits",
                p,
                TcpCollector.RETRANSMITS,
                "TCP segments retransmitted by the pod's sockets",
                tags),
            tcpCounter(
                "connections.opened",
                p,
                TcpCollector.OPENED,
                "TCP connections established (connect and accept)",
                tags),
            tcpCounter(
                "connections.closed",
                p,
                TcpCollector.CLOSED,
                "TCP connections closed after being established",
                tags),
            tcpCounter(
                "connections.failed",
                p,
                TcpCollector.FAILED,
                "TCP connects that failed (refused, timed out)",
                tags),
            tcpCounter(
                "state.changes",
                p,
                TcpCollector.STATE_CHANGES,
                "TCP state changes of the pod's sockets (inet_sock_set_state)",
                tags),
            tcpCounter(
                "zero.window.events",
                p,
                TcpCollector.ZERO_WINDOW_PEER,
                ZERO_WINDOW_HELP,
                tags.and("side", "peer")),
            tcpCounter(
                "zero.window.events",
                p,
                TcpCollector.ZERO_WINDOW_LOCAL,
                ZERO_WINDOW_HELP,
                tags.and("side", "local")),
            tcpCounter(
                "window.limited.events",
                p,
                TcpCollector.WINDOW_LIMITED,
                "Times a socket of the pod became limited in sending by the peer's receive window"
                    + " (the kernel's rwnd-limited time started)",
                tags),
            Gauge.builder("trafficmonitor.tcp.connections.open", p, TcpCollector.PodTcp::open)
                .description("TCP connections established and not yet closed")
                .tags(tags)
                .register(registry)));
    histogram(
        List.of(p, "rtt"),
        TCP_RTT,
        tags,
        () -> new Histograms.Data(p.rttHistogram(), p.get(TcpCollector.RTT_SUM_MICROS) / 1e6));
    histogram(
        List.of(p, "duration"),
        TCP_DURATION,
        tags,
        () ->
            new Histograms.Data(
                p.durationHistogram(), p.get(TcpCollector.DURATION_SUM_MICROS) / 1e6));
    histogram(
        List.of(p, "cwnd"),
        TCP_CWND,
        tags,
        () -> new Histograms.Data(p.cwndHistogram(), p.cwndSum()));
  }

  @Override
  public synchronized void tcpScaleAdded(TcpCollector.PodTcp p, int bucket) {
    if (closed || !budget.admitted(p)) {
      return; // a late call, or a pod whose TCP figures the budget refused
    }
    Object key = List.of(p, "wscale", bucket);
    if (!budget.admit(key, SeriesBudget.Kind.TCP, TCP_SCALE_SAMPLES)) {
      return;
    }
    meters.put(
        key,
        List.of(
            FunctionCounter.builder(
                    "trafficmonitor.tcp.connections.window.scale",
                    p,
                    x -> x.scaleConnections(bucket))
                .description(
                    "TCP connections established, by the window scale of the pod's side (the"
                        + " shift of the windows it advertises; none: window scaling not"
                        + " negotiated)")
                .tags(targetTags(p.target()))
                .tag("scale", WindowStats.scaleLabel(bucket))
                .register(registry)));
  }

  @Override
  public synchronized void tcpRemoved(TcpCollector.PodTcp p) {
    remove(p);
    for (int b = 0; b < TcpLayout.WSCALE_BUCKETS; b++) {
      Object key = List.of(p, "wscale", b);
      remove(key);
      budget.release(key);
    }
    removeHistogram(List.of(p, "rtt"));
    removeHistogram(List.of(p, "duration"));
    removeHistogram(List.of(p, "cwnd"));
    budget.release(p);
  }

  @Override
  public synchronized void dropsAdded(TcpCollector.Drops d) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    if (!budget.admit(d, SeriesBudget.Kind.DROPS, DROPS_SAMPLES)) {
      return;
    }
    FunctionCounter.Builder<TcpCollector.Drops> b =
        d.target() == null
            ? FunctionCounter.builder("trafficmonitor.node.drops", d, TcpCollector.Drops::packets)
                .description(
                    "Packets of the node's own (no socket) that the kernel dropped, by reason")
                .tags(monitorTags)
            : FunctionCounter.builder("trafficmonitor.pod.drops", d, TcpCollector.Drops::packets)
                .description(
                    "Packets the kernel dropped, of the pod's sockets or without a socket in its"
                        + " network namespace, by reason")
                .tags(targetTags(d.target()));
    meters.put(d, List.of(b.tag("reason", d.reason()).register(registry)));
  }

  @Override
  public synchronized void dropsRemoved(TcpCollector.Drops d) {
    remove(d);
    budget.release(d);
  }

  /**
   * The status error of the groups of this monitor that the series budget refused and that are not
   * gone yet; null when there are none.
   */
  public synchronized String budgetError() {
    return budget.error();
  }

  /** Samples of a histogram series: its buckets, +Inf, _sum and _count. */
  static int samples(Histograms.Family f) {
    return f.upperBounds().length + 3;
  }

  private <T> FunctionCounter counter(
      Where w, String measure, T s, ToDoubleFunction<T> f, String help, Tags tags) {
    return FunctionCounter.builder(w.prefix() + measure, s, f)
        .description(help + w.help())
        .tags(tags)
        .register(registry);
  }

  private FunctionCounter tcpCounter(
      String measure, TcpCollector.PodTcp p, int counter, String help, Tags tags) {
    return FunctionCounter.builder("trafficmonitor.tcp." + measure, p, x -> x.get(counter))
        .description(help)
        .tags(tags)
        .register(registry);
  }

  private void remove(Object key) {
    List<Meter> m = meters.remove(key);
    if (m != null) {
      m.forEach(registry::remove);
    }
  }

  /** Adds a histogram series of this monitor to the node's histogram collector. */
  private void histogram(
      Object key, Histograms.Family family, Tags tags, Supplier<Histograms.Data> data) {
    Object k = List.of(this, key);
    histogramKeys.add(k);
    List<String> kv = new ArrayList<>();
    tags.forEach(
        t -> {
          kv.add(t.getKey());
          kv.add(t.getValue());
        });
    histograms.add(k, family, Labels.of(kv.toArray(String[]::new)), data);
  }

  private void removeHistogram(Object key) {
    Object k = List.of(this, key);
    histogramKeys.remove(k);
    histograms.remove(k);
  }
}
