package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** What one node's agent measured during its last status interval, and since it started. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeStatus {

  @JsonPropertyDescription("The node's name; the key of this entry.")
  @Required
  private String node;

  @JsonPropertyDescription(
      "The monitor's metadata.generation this node's agent applies: the node runs the current"
          + " spec when it equals the monitor's generation.")
  private Long observedGeneration;

  @JsonPropertyDescription("Pods of this node being monitored.")
  private Integer pods;

  @JsonPropertyDescription("Node interfaces being monitored.")
  private Integer interfaces;

  @JsonPropertyDescription(
      "How each monitored node interface's ingress is counted (spec.interfaceIngressHook): TC,"
          + " XDP (native).")
  private List<InterfaceHook> ingressHooks;

  @JsonPropertyDescription(
      "Bytes received, since the node's agent started serving the monitor"
          + " (continued across agent restarts).")
  private Long rxBytes;

  @JsonPropertyDescription(
      "Bytes sent, since the node's agent started serving the monitor"
          + " (continued across agent restarts).")
  private Long txBytes;

  @JsonPropertyDescription(
      "Packets received, since the node's agent started serving the monitor"
          + " (continued across agent restarts).")
  private Long rxPackets;

  @JsonPropertyDescription(
      "Packets sent, since the node's agent started serving the monitor"
          + " (continued across agent restarts).")
  private Long txPackets;

  @JsonPropertyDescription(
      "Goodput received: bytes of payload after the L2, L3 and L4 headers, since the node's"
          + " agent started serving the monitor (continued across agent restarts).")
  private Long rxPayloadBytes;

  @JsonPropertyDescription(
      "Goodput sent: bytes of payload after the L2, L3 and L4 headers, since the node's agent"
          + " started serving the monitor (continued across agent restarts).")
  private Long txPayloadBytes;

  @JsonPropertyDescription("Receive rate in bits per second over the last status interval.")
  private Long rxBitsPerSecond;

  @JsonPropertyDescription("Send rate in bits per second over the last status interval.")
  private Long txBitsPerSecond;

  @JsonPropertyDescription("Flows seen within the idle timeout.")
  private Long activeFlows;

  @JsonPropertyDescription("Distinct flows seen since the agent started (estimate).")
  private Long uniqueFlows;

  @JsonPropertyDescription("Distinct remote addresses seen since the agent started (estimate).")
  private Long uniquePeers;

  @JsonPropertyDescription(
      "TCP connections opened (handshake seen), since the node's agent started (TCP"
          + " health starts again with the agent).")
  private Long connectionsOpened;

  @JsonPropertyDescription(
      "TCP connections closed (FIN or RST seen), since the node's agent started (TCP"
          + " health starts again with the agent).")
  private Long connectionsClosed;

  @JsonPropertyDescription("TCP connections open now.")
  private Long connectionsOpen;

  @JsonPropertyDescription(
      "Mean lifetime, in milliseconds, of the TCP connections closed during the last status"
          + " interval.")
  private Long connectionMeanDurationMillis;

  @JsonPropertyDescription(
      "Mean smoothed TCP round-trip time, in microseconds, of the monitored pods' sockets over"
          + " the last status interval (one sample per segment received).")
  private Long rttMicros;

  @JsonPropertyDescription(
      "TCP retransmits, since the node's agent started (TCP health starts again"
          + " with the agent).")
  private Long retransmits;

  @JsonPropertyDescription(
      "Packets dropped by the kernel, since the node's agent started (TCP health and drops"
          + " start again with the agent).")
  private Long drops;

  @JsonPropertyDescription(
      "TCP flow control of the monitored pods' sockets (zero windows, window-limited sending,"
          + " connections without window scaling), since the node's agent started (TCP health"
          + " starts again with the agent).")
  private TcpFlowControl flowControl;

  @JsonPropertyDescription(
      "Dropped packets by kernel drop reason, since the agent started: the busiest 16 reasons,"
          + " busiest first.")
  @Size(max = 16)
  private List<DropReason> dropReasons;

  @JsonPropertyDescription(
      "The busiest remote addresses by bytes since the agent started, at most 10, busiest first.")
  @Size(max = 10)
  private List<Talker> topTalkers;

  @JsonPropertyDescription(HeavyPrefix.NODE_LIST)
  @Size(max = 2 * HeavyPrefix.NODE_MAX_PER_DIRECTION)
  private List<HeavyPrefix> heavyPrefixes;

  @JsonPropertyDescription(
      "Sequence-number measurement of spec.sequence, since the agent started; missing when"
          + " spec.sequence is not set.")
  private SequenceStatus sequence;

  @JsonPropertyDescription(
      "The busiest flows of the last status interval, at most spec.flows.topN.")
  private List<Flow> topFlows;

  @JsonPropertyDescription("When the agent wrote this entry (RFC 3339).")
  private String lastUpdate;

  @JsonPropertyDescription(
      "Problems the agent cannot fix by itself (a program that failed to attach, a full map).")
  private List<String> errors;

  public String getNode() {
    return node;
  }

  public void setNode(String node) {
    this.node = node;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Integer getPods() {
    return pods;
  }

  public void setPods(Integer pods) {
    this.pods = pods;
  }

  public Integer getInterfaces() {
    return interfaces;
  }

  public void setInterfaces(Integer interfaces) {
    this.interfaces = interfaces;
  }

  public List<InterfaceHook> getIngressHooks() {
    return ingressHooks;
  }

  public void setIngressHooks(List<InterfaceHook> ingressHooks) {
    this.ingressHooks = ingressHooks;
  }

  public Long getRxBytes() {
    return rxBytes;
  }

  public void setRxBytes(Long rxBytes) {
    this.rxBytes = rxBytes;
  }

  public Long getTxBytes() {
    return txBytes;
  }

  public void setTxBytes(Long txBytes) {
    this.txBytes = txBytes;
  }

  public Long getRxPackets() {
    return rxPackets;
  }

  public void setRxPackets(Long rxPackets) {
    this.rxPackets = rxPackets;
  }

  public Long getTxPackets() {
    return txPackets;
  }

  public void setTxPackets(Long txPackets) {
    this.txPackets = txPackets;
  }

  public Long getRxPayloadBytes() {
    return rxPayloadBytes;
  }

  public void setRxPayloadBytes(Long rxPayloadBytes) {
    this.rxPayloadBytes = rxPayloadBytes;
  }

  public Long getTxPayloadBytes() {
    return txPayloadBytes;
  }

  public void setTxPayloadBytes(Long txPayloadBytes) {
    this.txPayloadBytes = txPayloadBytes;
  }

  public Long getRxBitsPerSecond() {
    return rxBitsPerSecond;
  }

  public void setRxBitsPerSecond(Long rxBitsPerSecond) {
    this.rxBitsPerSecond = rxBitsPerSecond;
  }

  public Long getTxBitsPerSecond() {
    return txBitsPerSecond;
  }

  public void setTxBitsPerSecond(Long txBitsPerSecond) {
    this.txBitsPerSecond = txBitsPerSecond;
  }

  public Long getActiveFlows() {
    return activeFlows;
  }

  public void setActiveFlows(Long activeFlows) {
    this.activeFlows = activeFlows;
  }

  public Long getUniqueFlows() {
    return uniqueFlows;
  }

  public void setUniqueFlows(Long uniqueFlows) {
    this.uniqueFlows = uniqueFlows;
  }

  public Long getUniquePeers() {
    return uniquePeers;
  }

  public void setUniquePeers(Long uniquePeers) {
    this.uniquePeers = uniquePeers;
  }

  public Long getConnectionsOpened() {
    return connectionsOpened;
  }

  public void setConnectionsOpened(Long connectionsOpened) {
    this.connectionsOpened = connectionsOpened;
  }

  public Long getConnectionsClosed() {
    return connectionsClosed;
  }

  public void setConnectionsClosed(Long connectionsClosed) {
    this.connectionsClosed = connectionsClosed;
  }

  public Long getConnectionsOpen() {
    return connectionsOpen;
  }

  public void setConnectionsOpen(Long connectionsOpen) {
    this.connectionsOpen = connectionsOpen;
  }

  public Long getConnectionMeanDurationMillis() {
    return connectionMeanDurationMillis;
  }

  public void setConnectionMeanDurationMillis(Long connectionMeanDurationMillis) {
    this.connectionMeanDurationMillis = connectionMeanDurationMillis;
  }

  public Long getRttMicros() {
    return rttMicros;
  }

  public void setRttMicros(Long rttMicros) {
    this.rttMicros = rttMicros;
  }

  public Long getRetransmits() {
    return retransmits;
  }

  public void setRetransmits(Long retransmits) {
    this.retransmits = retransmits;
  }

  public Long getDrops() {
    return drops;
  }

  public void setDrops(Long drops) {
    this.drops = drops;
  }

  public TcpFlowControl getFlowControl() {
    return flowControl;
  }

  public void setFlowControl(TcpFlowControl flowControl) {
    this.flowControl = flowControl;
  }

  public List<Talker> getTopTalkers() {
    return topTalkers;
  }

  public void setTopTalkers(List<Talker> topTalkers) {
    this.topTalkers = topTalkers;
  }

  public List<HeavyPrefix> getHeavyPrefixes() {
    return heavyPrefixes;
  }

  public void setHeavyPrefixes(List<HeavyPrefix> heavyPrefixes) {
    this.heavyPrefixes = heavyPrefixes;
  }

  public List<DropReason> getDropReasons() {
    return dropReasons;
  }

  public void setDropReasons(List<DropReason> dropReasons) {
    this.dropReasons = dropReasons;
  }

  public SequenceStatus getSequence() {
    return sequence;
  }

  public void setSequence(SequenceStatus sequence) {
    this.sequence = sequence;
  }

  public List<Flow> getTopFlows() {
    return topFlows;
  }

  public void setTopFlows(List<Flow> topFlows) {
    this.topFlows = topFlows;
  }

  public String getLastUpdate() {
    return lastUpdate;
  }

  public void setLastUpdate(String lastUpdate) {
    this.lastUpdate = lastUpdate;
  }

  public List<String> getErrors() {
    return errors;
  }

  public void setErrors(List<String> errors) {
    this.errors = errors;
  }
}
