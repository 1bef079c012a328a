package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** What one node's agent measured during its last status interval, and since it started. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeStatus {

  @JsonPropertyDescription("The node's name; the key of this entry.")
  @Required
  private String node;

  @JsonPropertyDescription("Pods of this node being monitored.")
  private Integer pods;

  @JsonPropertyDescription("Node interfaces being monitored.")
  private Integer interfaces;

  @JsonPropertyDescription("Bytes received, since the agent started.")
  private Long rxBytes;

  @JsonPropertyDescription("Bytes sent, since the agent started.")
  private Long txBytes;

  @JsonPropertyDescription("Packets received, since the agent started.")
  private Long rxPackets;

  @JsonPropertyDescription("Packets sent, since the agent started.")
  private Long txPackets;

  @JsonPropertyDescription("Receive rate in bits per second over the last status interval.")
  private Long rxBitsPerSecond;

  @JsonPropertyDescription("Send rate in bits per second over the last status interval.")
  private Long txBitsPerSecond;

  @JsonPropertyDescription("Flows seen within the idle timeout.")
  private Long activeFlows;

  @JsonPropertyDescription("Distinct flows seen since the agent started (estimate).")
  private Long uniqueFlows;

  @JsonPropertyDescription("TCP retransmits, since the agent started.")
  private Long retransmits;

  @JsonPropertyDescription("Packets dropped by the kernel, since the agent started.")
  private Long drops;

  @JsonPropertyDescription("Packets that matched spec.sequence, since the agent started.")
  private Long sequenceMatches;

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

  public Long getSequenceMatches() {
    return sequenceMatches;
  }

  public void setSequenceMatches(Long sequenceMatches) {
    this.sequenceMatches = sequenceMatches;
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
