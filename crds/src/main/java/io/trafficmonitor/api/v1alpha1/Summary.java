package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Totals over the nodes' entries, computed by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Summary {

  @JsonPropertyDescription("Nodes that should run an agent (the DaemonSet's desired count).")
  private Integer nodes;

  @JsonPropertyDescription("Nodes whose agent reported within three status intervals.")
  private Integer ready;

  @JsonPropertyDescription("ready/nodes, for kubectl get.")
  private String nodesReady;

  @JsonPropertyDescription("Pods monitored, over all nodes.")
  private Integer pods;

  @JsonPropertyDescription("Bytes received, over all nodes.")
  private Long rxBytes;

  @JsonPropertyDescription("Bytes sent, over all nodes.")
  private Long txBytes;

  @JsonPropertyDescription("Packets received, over all nodes.")
  private Long rxPackets;

  @JsonPropertyDescription("Packets sent, over all nodes.")
  private Long txPackets;

  @JsonPropertyDescription(
      "Goodput received (payload bytes after the L2, L3 and L4 headers), over all nodes.")
  private Long rxPayloadBytes;

  @JsonPropertyDescription(
      "Goodput sent (payload bytes after the L2, L3 and L4 headers), over all nodes.")
  private Long txPayloadBytes;

  @JsonPropertyDescription("Receive rate in bits per second, over the reporting nodes.")
  private Long rxBitsPerSecond;

  @JsonPropertyDescription("Send rate in bits per second, over the reporting nodes.")
  private Long txBitsPerSecond;

  @JsonPropertyDescription("rxBitsPerSecond for people (1.5 Mbit/s), for kubectl get.")
  private String rxRate;

  @JsonPropertyDescription("txBitsPerSecond for people (1.5 Mbit/s), for kubectl get.")
  private String txRate;

  @JsonPropertyDescription("Active flows, over all nodes.")
  private Long activeFlows;

  @JsonPropertyDescription(
      "Distinct flows since the agents started, the sum of the nodes' estimates: a flow seen"
          + " on two nodes counts twice.")
  private Long uniqueFlows;

  @JsonPropertyDescription(
      "Distinct remote addresses since the agents started, the sum of the nodes' estimates: a"
          + " peer seen on two nodes counts twice.")
  private Long uniquePeers;

  @JsonPropertyDescription(
      "TCP connections open now, over the reporting nodes: a connection between two monitored"
          + " nodes counts twice.")
  private Long connectionsOpen;

  @JsonPropertyDescription("TCP retransmits, over all nodes.")
  private Long retransmits;

  @JsonPropertyDescription("Packets dropped by the kernel, over all nodes.")
  private Long drops;

  @JsonPropertyDescription(
      "TCP flow control of the monitored pods' sockets, each figure summed over all nodes.")
  private TcpFlowControl flowControl;

  @JsonPropertyDescription(
      "Dropped packets by kernel drop reason, merged over all nodes: the busiest 16 reasons,"
          + " busiest first.")
  @Size(max = 16)
  private List<DropReason> dropReasons;

  @JsonPropertyDescription(
      "The busiest remote addresses by bytes over the nodes (their estimates summed per address), at most 10, busiest first.")
  @Size(max = 10)
  private List<Talker> topTalkers;

  @JsonPropertyDescription(HeavyPrefix.SUMMARY_LIST)
  @Size(max = 2 * HeavyPrefix.SUMMARY_MAX_PER_DIRECTION)
  private List<HeavyPrefix> heavyPrefixes;

  @JsonPropertyDescription(
      "Sequence-number measurement of spec.sequence, summed over all nodes; missing when no"
          + " node reports one.")
  private SequenceStatus sequence;

  @JsonPropertyDescription("The busiest flows over all nodes, at most spec.flows.topN.")
  private List<Flow> topFlows;

  public Integer getNodes() {
    return nodes;
  }

  public void setNodes(Integer nodes) {
    this.nodes = nodes;
  }

  public Integer getReady() {
    return ready;
  }

  public void setReady(Integer ready) {
    this.ready = ready;
  }

  public String getNodesReady() {
    return nodesReady;
  }

  public void setNodesReady(String nodesReady) {
    this.nodesReady = nodesReady;
  }

  public Integer getPods() {
    return pods;
  }

  public void setPods(Integer pods) {
    this.pods = pods;
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

  public String getRxRate() {
    return rxRate;
  }

  public void setRxRate(String rxRate) {
    this.rxRate = rxRate;
  }

  public String getTxRate() {
    return txRate;
  }

  public void setTxRate(String txRate) {
    this.txRate = txRate;
  }

  public Long getActiveFlows() {
    return activeFlows;
  }

  public void setActiveFlows(Long activeFlows) {
    this.activeFlows = activeFlows;
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

  public List<Flow> getTopFlows() {
    return topFlows;
  }

  public void setTopFlows(List<Flow> topFlows) {
    this.topFlows = topFlows;
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

  public Long getConnectionsOpen() {
    return connectionsOpen;
  }

  public void setConnectionsOpen(Long connectionsOpen) {
    this.connectionsOpen = connectionsOpen;
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
}
