package io.trafficmonitor.agent.export;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.agent.collect.RateWindow;
import io.trafficmonitor.agent.collect.StatusSnapshot;
import io.trafficmonitor.agent.collect.TcpCollector;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.DropReason;
import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.HeavyPrefix;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.PrefixDirection;
import io.trafficmonitor.api.v1alpha1.SequenceStatus;
import io.trafficmonitor.api.v1alpha1.Talker;
import io.trafficmonitor.api.v1alpha1.TcpFlowControl;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.datapath.flow.DatapathCounters;
import io.trafficmonitor.datapath.tcp.TcpConnection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes this node's entry of {@code status.nodes} with server-side apply under the agent's own
 * field manager, so that agents never overwrite each other or the operator's fields.
 */
public final class StatusWriter {
  static final int MAX_ERRORS = 20;

  private final KubernetesClient client;
  private final String node;
  private final String fieldManager;
  private final String namespace;
  private final String name;
  static final int MAX_DROP_REASONS = 16;

  private StatusSnapshot previous;
  private TcpCollector.Totals previousTcp;

  /**
   * The writer of this node's entry in the status of the monitor {@code namespace/name}, or of the
   * ClusterTrafficMonitor {@code name} when {@code namespace} is null, applied under {@code
   * fieldManager}.
   */
  public StatusWriter(
      KubernetesClient client, String node, String fieldManager, String namespace, String name) {
    this.client = client;
    this.node = node;
    this.fieldManager = fieldManager;
    this.namespace = namespace;
    this.name = name;
  }

  /**
   * The errors of the node's datapath that every monitor's entry carries besides its own: full
   * kernel maps ({@code counters}, null when the flow programs are not loaded) and TCP health not
   * measured ({@code tcpHealthError}, or null). Each names the spec field to change.
   */
  public static List<String> datapathErrors(DatapathCounters counters, String tcpHealthError) {
    List<String> errs = new ArrayList<>();
    if (counters != null) {
      if (counters.mapFull() > 0) {
        errs.add(
            "flow map full: "
                + counters.mapFull()
                + " packets not tracked; raise spec.flows.maxTracked or lower flows.idleTimeout");
      }
      if (counters.sequenceFull() > 0 || counters.jitterFull() > 0) {
        errs.add(
            "sequence or jitter map full: "
                + (counters.sequenceFull() + counters.jitterFull())
                + " packets' sequence numbers or inter-arrival times not tracked; raise"
                + " spec.flows.maxTracked (the maps hold a quarter of it) or lower"
                + " flows.idleTimeout");
      }
    }
    if (tcpHealthError != null) {
      errs.add(tcpHealthError);
    }
    return errs;
  }

  /** Builds the entry: totals since start, rates since the previous snapshot. */
  public NodeStatus build(
      StatusSnapshot now, int pods, int interfaces, List<String> errors, Instant at) {
    return build(now, null, List.of(), pods, interfaces, errors, at);
  }

  /**
   * Builds the entry: totals since start, rates since the previous snapshot, TCP health (when the
   * tracepoints run) and, for top flows that are TCP connections in the table, their RTT and
   * retransmissions.
   */
  public NodeStatus build(
      StatusSnapshot now,
      TcpCollector.Totals tcp,
      List<TcpConnection> connections,
      int pods,
      int interfaces,
      List<String> errors,
      Instant at) {
    NodeStatus s = new NodeStatus();
    s.setNode(node);
    s.setPods(pods);
    s.setInterfaces(interfaces);
    s.setRxBytes(now.rxBytes());
    s.setTxBytes(now.txBytes());
    s.setRxPackets(now.rxPackets());
    s.setTxPackets(now.txPackets());
    s.setRxPayloadBytes(now.rxPayloadBytes());
    s.setTxPayloadBytes(now.txPayloadBytes());
    if (now.sequence().received() > 0) {
      SequenceStatus q = new SequenceStatus();
      q.setReceived(now.sequence().received());
      q.setReverse(now.sequence().reverse());
      q.setSmallGaps(now.sequence().smallGaps());
      q.setBigGaps(now.sequence().bigGaps());
      q.setLost(now.sequence().lost());
      s.setSequence(q);
    }
    long rxRate = 0;
    long txRate = 0;
    long dt = previous == null ? 0 : now.collectedAt() - previous.collectedAt();
    if (previous != null && dt > 0) {
      rxRate = Math.round(RateWindow.perSecond(8 * (now.rxBytes() - previous.rxBytes()), dt));
      txRate = Math.round(RateWindow.perSecond(8 * (now.txBytes() - previous.txBytes()), dt));
    }
    s.setRxBitsPerSecond(rxRate);
    s.setTxBitsPerSecond(txRate);
    s.setActiveFlows(now.activeFlows());
    s.setUniqueFlows(now.uniqueFlows());
    s.setUniquePeers(now.uniquePeers());
    if (!now.topTalkers().isEmpty()) {
      s.setTopTalkers(
          now.topTalkers().stream().map(t -> new Talker(t.address(), t.bytes())).toList());
    }
    s.setHeavyPrefixes(heavyPrefixes(now));
    if (tcp != null) {
      tcp(s, tcp);
    }
    Map<String, TcpConnection> byTuple = new HashMap<>();
    for (TcpConnection c : connections) {
      String local = c.localAddress().getHostAddress();
      String remote = c.remoteAddress().getHostAddress();
      byTuple.put(tuple(local, c.localPort(), remote, c.remotePort()), c);
      byTuple.putIfAbsent(tuple(remote, c.remotePort(), local, c.localPort()), c);
    }
    List<Flow> top = new ArrayList<>();
    for (StatusSnapshot.TopFlow t : now.topFlows()) {
      Flow f = new Flow();
      f.setSource(t.source());
      f.setDestination(t.destination());
      f.setSourcePort(t.sourcePort());
      f.setDestinationPort(t.destinationPort());
      f.setProtocol(t.protocol());
      f.setApplication(t.application());
      f.setPod(t.pod());
      f.setBytes(t.bytes());
      f.setPackets(t.packets());
      f.setPayloadBytes(t.payloadBytes());
      if (t.meanInterArrivalNanos() > 0) {
        f.setMeanInterArrivalMicros(Math.round(t.meanInterArrivalNanos() / 1000));
        f.setJitterMicros(Math.round(t.jitterNanos() / 1000));
      }
      f.setBitsPerSecond(dt > 0 ? Math.round(RateWindow.perSecond(8 * t.intervalBytes(), dt)) : 0);
      TcpConnection c =
          "TCP".equals(t.protocol())
              ? byTuple.get(tuple(t.source(), t.sourcePort(), t.destination(), t.destinationPort()))
              : null;
      if (c != null) {
        f.setRttMicros(c.srttMicros());
        f.setRetransmits(c.retransmittedSegments());
      }
      top.add(f);
    }
    s.setTopFlows(top);
    s.setLastUpdate(at.toString());
    s.setErrors(errors.size() > MAX_ERRORS ? List.copyOf(errors.subList(0, MAX_ERRORS)) : errors);
    previous = now;
    previousTcp = tcp;
    return s;
  }

  /** The node's heavy prefixes with their shares of the monitor's bytes; null when none. */
  static List<HeavyPrefix> heavyPrefixes(StatusSnapshot now) {
    long n = now.rxBytes() + now.txBytes();
    if (now.heavyPrefixes().isEmpty() || n <= 0) {
      return null;
    }
    List<HeavyPrefix> out = new ArrayList<>();
    for (StatusSnapshot.HeavyPrefix p : now.heavyPrefixes()) {
      out.add(
          new HeavyPrefix(
              p.source() ? PrefixDirection.Source : PrefixDirection.Destination,
              p.prefix(),
              p.bytes(),
              p.totalBytes(),
              Math.round(10_000.0 * p.bytes() / n) / 10_000.0));
    }
    return out;
  }

  private static String tuple(String src, Integer sport, String dst, Integer dport) {
    return src + "|" + sport + "|" + dst + "|" + dport;
  }

  /** TCP figures since start, and the mean RTT and duration of the last interval. */
  private void tcp(NodeStatus s, TcpCollector.Totals tcp) {
    s.setRetransmits(tcp.retransmits());
    s.setDrops(tcp.drops());
    List<DropReason> reasons = new ArrayList<>();
    for (Map.Entry<String, Long> r : tcp.dropReasons()) {
      if (reasons.size() == MAX_DROP_REASONS) {
        break;
      }
      reasons.add(new DropReason(r.getKey(), r.getValue()));
    }
    s.setDropReasons(reasons.isEmpty() ? null : reasons);
    s.setConnectionsOpened(tcp.opened());
    s.setConnectionsClosed(tcp.closed());
    s.setConnectionsOpen(tcp.open());
    TcpCollector.Window w = tcp.window();
    s.setFlowControl(
        new TcpFlowControl(
            w.zeroWindowPeer(), w.zeroWindowLocal(), w.windowLimited(), w.withoutScaling()));
    TcpCollector.Totals p = previousTcp;
    long closed = tcp.closed() - (p == null ? 0 : p.closed());
    long duration = tcp.durationSumMicros() - (p == null ? 0 : p.durationSumMicros());
    if (closed > 0) {
      s.setConnectionMeanDurationMillis(Math.round(duration / 1000.0 / closed));
    }
    long samples = tcp.rttSamples() - (p == null ? 0 : p.rttSamples());
    long rtt = tcp.rttSumMicros() - (p == null ? 0 : p.rttSumMicros());
    if (samples > 0) {
      s.setRttMicros(Math.round((double) rtt / samples));
    }
  }

  /** Applies the entry; only the fields set in it are owned by this agent. */
  public void apply(NodeStatus entry) {
    apply(List.of(entry));
  }

  /**
   * Removes this node's entry (the monitor no longer selects the node): applying no entry under the
   * agent's field manager lets the API server drop the one it owned.
   */
  public void retract() {
    apply(List.of());
  }

  private void apply(List<NodeStatus> entries) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("apiVersion", TrafficMonitor.API_VERSION);
    body.put("kind", namespace == null ? ClusterTrafficMonitor.KIND : TrafficMonitor.KIND);
    body.put(
        "metadata",
        namespace == null ? Map.of("name", name) : Map.of("name", name, "namespace", namespace));
    body.put("status", Map.of("nodes", entries));
    var resource =
        namespace == null
            ? client.resources(ClusterTrafficMonitor.class).withName(name)
            : client.resources(TrafficMonitor.class).inNamespace(namespace).withName(name);
    resource
        .subresource("status")
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager(fieldManager)
                .withForce(true)
                .build(),
            Serialization.asJson(body));
  }
}
