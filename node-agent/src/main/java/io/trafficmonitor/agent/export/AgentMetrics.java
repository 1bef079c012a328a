package io.trafficmonitor.agent.export;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.prometheus.metrics.model.snapshots.Labels;
import io.trafficmonitor.agent.collect.MetricsSink;
import io.trafficmonitor.agent.collect.RateWindow;
import io.trafficmonitor.agent.collect.Series;
import io.trafficmonitor.agent.collect.TcpCollector;
import io.trafficmonitor.agent.target.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The agent's Prometheus metrics, prefix {@code trafficmonitor_}, bounded labels only (monitor,
 * namespace, pod, interface, direction, protocol). Traffic series of a target disappear with it.
 */
public final class AgentMetrics implements MetricsSink, TcpCollector.Sink {
  private final MeterRegistry registry;
  private final String monitor;
  private final String monitorNamespace;
  private final Map<Object, List<Meter>> meters = new ConcurrentHashMap<>();
  private final AtomicLong pods = new AtomicLong();
  private final AtomicLong interfaces = new AtomicLong();
  private final AtomicReference<Double> limitBytes = new AtomicReference<>(0d);
  private final AtomicReference<Double> limitLoss = new AtomicReference<>(0d);
  private final AtomicReference<Double> limitRetransmits = new AtomicReference<>(0d);
  private final Histograms histograms;
  private boolean closed;
  private final List<Meter> own = new ArrayList<>();
  private final java.util.Set<Object> histogramKeys = ConcurrentHashMap.newKeySet();

  static final Histograms.Family PACKET_SIZE =
      new Histograms.Family(
          "trafficmonitor_packet_size_bytes",
          "L3 packet sizes (per GSO segment), log2 buckets from 64 to 4096 bytes",
          Histograms.powersOfTwo(
              io.trafficmonitor.datapath.flow.FlowLayout.HIST_SHIFT,
              io.trafficmonitor.datapath.flow.FlowLayout.HIST_BUCKETS - 1,
              1));

  /** A monitor's metrics in a registry of their own (tests and benchmarks). */
  public AgentMetrics(MeterRegistry registry, String monitorNamespace, String monitor) {
    this(new NodeMetrics(registry), monitorNamespace, monitor);
  }

  /** A monitor's metrics beside the node's; {@link #close} removes them all. */
  public AgentMetrics(NodeMetrics node, String monitorNamespace, String monitor) {
    this.registry = node.registry();
    this.histograms = node.histograms();
    this.monitor = monitor;
    this.monitorNamespace = monitorNamespace;
    Tags self = self();
    own.add(
        Gauge.builder("trafficmonitor.pods.monitored", pods, AtomicLong::get)
            .description("Pods with programs attached")
            .tags(self)
            .register(registry));
    own.add(
        Gauge.builder("trafficmonitor.interfaces.monitored", interfaces, AtomicLong::get)
            .description("Node interfaces with programs attached")
            .tags(self)
            .register(registry));
    own.add(
        Gauge.builder("trafficmonitor.limit.bytes.per.second", limitBytes, AtomicReference::get)
            .description("spec.alerts.maxBytesPerSecond of the monitor (0: none)")
            .tags(self)
            .register(registry));
    own.add(
        Gauge.builder("trafficmonitor.limit.packet.loss.ratio", limitLoss, AtomicReference::get)
            .description("spec.alerts.maxPacketLossRatio of the monitor (0: none)")
            .tags(self)
            .register(registry));
    own.add(
        Gauge.builder(
                "trafficmonitor.limit.retransmit.ratio", limitRetransmits, AtomicReference::get)
            .description("spec.alerts.maxRetransmitRatio of the monitor (0: none)")
            .tags(self)
            .register(registry));
  }

  /** Adds a histogram series of this monitor to the node's histogram collector. */
  private void histogram(
      Object key,
      Histograms.Family family,
      Labels labels,
      java.util.function.Supplier<Histograms.Data> data) {
    Object k = List.of(this, key);
    histogramKeys.add(k);
    histograms.add(k, family, labels, data);
  }

  private void removeHistogram(Object key) {
    Object k = List.of(this, key);
    histogramKeys.remove(k);
    histograms.remove(k);
  }

  /** Removes every series of this monitor (it no longer selects the node, or it was deleted). */
  public synchronized void close() {
    closed = true;
    own.forEach(registry::remove);
    own.clear();
    meters.values().forEach(l -> l.forEach(registry::remove));
    meters.clear();
    topFlowMeters.forEach(registry::remove);
    topFlowMeters.clear();
    histogramKeys.forEach(histograms::remove);
    histogramKeys.clear();
  }

  private Labels labels(Tags tags) {
    List<String> kv = new ArrayList<>();
    tags.forEach(
        t -> {
          kv.add(t.getKey());
          kv.add(t.getValue());
        });
    return Labels.of(kv.toArray(String[]::new));
  }

  static final Histograms.Family TCP_RTT =
      new Histograms.Family(
          "trafficmonitor_tcp_rtt_seconds",
          "Smoothed TCP round-trip time, sampled at every segment received, log2 buckets",
          Histograms.powersOfTwo(
              0, io.trafficmonitor.datapath.tcp.TcpLayout.HIST_BUCKETS - 1, 1e-6));

  static final Histograms.Family TCP_DURATION =
      new Histograms.Family(
          "trafficmonitor_tcp_connection_duration_seconds",
          "Lifetime of TCP connections from establishment to close, log2 buckets",
          Histograms.powersOfTwo(
              0, io.trafficmonitor.datapath.tcp.TcpLayout.HIST_BUCKETS - 1, 1e-6));

  private Tags podTags(Target t) {
    return Tags.of("monitor", monitor, "namespace", t.namespace(), "pod", t.pod());
  }

  @Override
  public synchronized void tcpAdded(TcpCollector.PodTcp p) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Tags tags = podTags(p.target());
    meters.put(
        p,
        List.of(
            FunctionCounter.builder(
                    "trafficmonitor.tcp.retransmits", p, x -> x.get(TcpCollector.RETRANSMITS))
                .description("TCP segments retransmitted by the pod's sockets")
                .tags(tags)
                .register(registry),
            FunctionCounter.builder(
                    "trafficmonitor.tcp.connections.opened", p, x -> x.get(TcpCollector.OPENED))
                .description("TCP connections established (connect and accept)")
                .tags(tags)
                .register(registry),
            FunctionCounter.builder(
                    "trafficmonitor.tcp.connections.closed", p, x -> x.get(TcpCollector.CLOSED))
                .description("TCP connections closed after being established")
                .tags(tags)
                .register(registry),
            FunctionCounter.builder(
                    "trafficmonitor.tcp.connections.failed", p, x -> x.get(TcpCollector.FAILED))
                .description("TCP connects that failed (refused, timed out)")
                .tags(tags)
                .register(registry),
            FunctionCounter.builder(
                    "trafficmonitor.tcp.state.changes", p, x -> x.get(TcpCollector.STATE_CHANGES))
                .description("TCP state changes of the pod's sockets (inet_sock_set_state)")
                .tags(tags)
                .register(registry),
            Gauge.builder("trafficmonitor.tcp.connections.open", p, TcpCollector.PodTcp::open)
                .description("TCP connections established and not yet closed")
                .tags(tags)
                .register(registry)));
    Labels labels = labels(tags);
    histogram(
        List.of(p, "rtt"),
        TCP_RTT,
        labels,
        () -> new Histograms.Data(p.rttHistogram(), p.get(TcpCollector.RTT_SUM_MICROS) / 1e6));
    histogram(
        List.of(p, "duration"),
        TCP_DURATION,
        labels,
        () ->
            new Histograms.Data(
                p.durationHistogram(), p.get(TcpCollector.DURATION_SUM_MICROS) / 1e6));
  }

  @Override
  public synchronized void tcpRemoved(TcpCollector.PodTcp p) {
    remove(p);
    removeHistogram(List.of(p, "rtt"));
    removeHistogram(List.of(p, "duration"));
  }

  @Override
  public synchronized void dropsAdded(TcpCollector.Drops d) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Tags tags = d.target() == null ? self().and("pod", "") : podTags(d.target());
    meters.put(
        d,
        List.of(
            FunctionCounter.builder("trafficmonitor.drops", d, TcpCollector.Drops::packets)
                .description(
                    "Packets the kernel dropped, by drop reason: the pod's (its sockets', or without"
                        + " a socket in its network namespace), or (pod empty) the node's own"
                        + " without a socket")
                .tags(tags.and("reason", d.reason()))
                .register(registry)));
  }

  @Override
  public synchronized void dropsRemoved(TcpCollector.Drops d) {
    remove(d);
  }

  private Tags self() {
    return Tags.of("monitor", monitor, "namespace", monitorNamespace);
  }

  private Tags tags(Target t, String direction) {
    return Tags.of(
        "monitor",
        monitor,
        "namespace",
        t.kind() == Target.Kind.NODE_INTERFACE ? monitorNamespace : t.namespace(),
        "pod",
        t.pod(),
        "interface",
        t.iface(),
        "direction",
        direction);
  }

  @Override
  public synchronized void seriesAdded(Series s) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Tags tags = tags(s.key().target(), s.key().direction()).and("protocol", s.key().protocol());
    meters.put(
        s.key(),
        List.of(
            FunctionCounter.builder("trafficmonitor.bytes", s, Series::bytes)
                .description("L3 bytes (IP header included)")
                .tags(tags)
                .register(registry),
            FunctionCounter.builder("trafficmonitor.packets", s, Series::packets)
                .description("Packets (GSO segments counted one by one)")
                .tags(tags)
                .register(registry),
            FunctionCounter.builder("trafficmonitor.payload.bytes", s, Series::payloadBytes)
                .description("L4 payload bytes, without L2-L4 headers (goodput)")
                .tags(tags)
                .register(registry)));
    histogram(s.key(), PACKET_SIZE, labels(tags), () -> new Histograms.Data(s.sizes(), s.bytes()));
  }

  @Override
  public synchronized void seriesRemoved(Series s) {
    remove(s.key());
    remove(List.of(s.key(), "sequence"));
    removeHistogram(s.key());
  }

  @Override
  public synchronized void sequenceSeen(Series s) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Tags tags = tags(s.key().target(), s.key().direction()).and("protocol", s.key().protocol());
    meters.put(
        List.of(s.key(), "sequence"),
        List.of(
            FunctionCounter.builder(
                    "trafficmonitor.sequence.received.packets",
                    s,
                    x -> x.sequence(Series.SEQ_RECEIVED))
                .description("Packets that carried a sequence number (spec.sequence)")
                .tags(tags)
                .register(registry),
            FunctionCounter.builder("trafficmonitor.sequence.lost.packets", s, Series::sequenceLost)
                .description("Estimated lost packets: numbers skipped, minus late arrivals")
                .tags(tags)
                .register(registry),
            FunctionCounter.builder(
                    "trafficmonitor.sequence.reverse.packets",
                    s,
                    x -> x.sequence(Series.SEQ_REVERSE))
                .description("Packets below the expected number: out of order or duplicate")
                .tags(tags)
                .register(registry),
            FunctionCounter.builder(
                    "trafficmonitor.sequence.gaps", s, x -> x.sequence(Series.SEQ_SMALL_GAPS))
                .description("Jumps over missing sequence numbers (small: up to gapThreshold)")
                .tags(tags.and("size", "small"))
                .register(registry),
            FunctionCounter.builder(
                    "trafficmonitor.sequence.gaps", s, x -> x.sequence(Series.SEQ_BIG_GAPS))
                .description("Jumps over missing sequence numbers (small: up to gapThreshold)")
                .tags(tags.and("size", "big"))
                .register(registry)));
  }

  @Override
  public synchronized void rateAdded(Target target, String direction, RateWindow rate) {
    if (closed) {
      return; // a late call for a monitor no longer served
    }
    Tags tags = tags(target, direction);
    meters.put(
        List.of(target, direction),
        List.of(
            Gauge.builder("trafficmonitor.bits.per.second", rate, RateWindow::bitsPerSecond)
                .description("Bit rate over the last window of at least one second")
                .tags(tags)
                .register(registry),
            Gauge.builder("trafficmonitor.packets.per.second", rate, RateWindow::packetsPerSecond)
                .description("Packet rate over the last window of at least one second")
                .tags(tags)
                .register(registry)));
  }

  @Override
  public synchronized void rateRemoved(Target target, String direction) {
    remove(List.of(target, direction));
  }

  private void remove(Object key) {
    List<Meter> m = meters.remove(key);
    if (m != null) {
      m.forEach(registry::remove);
    }
  }

  private final java.util.List<Meter> topFlowMeters = new java.util.ArrayList<>();

  /**
   * The bounded top-N gauge set: {@code trafficmonitor_top_flow_bits_per_second}, one series per
   * rank of the last status interval (at most spec.flows.topN, 100), replaced at every status
   * write. The only series with per-flow labels, and never more than N of them.
   */
  public synchronized void topFlows(java.util.List<io.trafficmonitor.api.v1alpha1.Flow> flows) {
    if (closed) {
      return;
    }
    topFlowMeters.forEach(registry::remove);
    topFlowMeters.clear();
    int rank = 1;
    for (io.trafficmonitor.api.v1alpha1.Flow f : flows) {
      double bps = f.getBitsPerSecond() == null ? 0 : f.getBitsPerSecond();
      topFlowMeters.add(
          Gauge.builder("trafficmonitor.top.flow.bits.per.second", () -> bps)
              .description("Busiest flows of the last status interval, by rank")
              .tags(self())
              .tag("rank", Integer.toString(rank++))
              .tag("pod", f.getPod() == null ? "" : f.getPod())
              .tag("source", String.valueOf(f.getSource()))
              .tag("destination", String.valueOf(f.getDestination()))
              .tag("source_port", f.getSourcePort() == null ? "" : f.getSourcePort().toString())
              .tag(
                  "destination_port",
                  f.getDestinationPort() == null ? "" : f.getDestinationPort().toString())
              .tag("protocol", String.valueOf(f.getProtocol()))
              .register(registry));
    }
  }

  public void targets(int podCount, int interfaceCount) {
    pods.set(podCount);
    interfaces.set(interfaceCount);
  }

  public void limitBytesPerSecond(double v) {
    limitBytes.set(v);
  }

  public void limitPacketLossRatio(double v) {
    limitLoss.set(v);
  }

  public void limitRetransmitRatio(double v) {
    limitRetransmits.set(v);
  }
}
