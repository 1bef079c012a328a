package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One flow (5-tuple) and how much it carried. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Flow {

  @JsonPropertyDescription("Source IP address.")
  private String source;

  @JsonPropertyDescription("Destination IP address.")
  private String destination;

  @JsonPropertyDescription(
      "What the source address is: a pod and its workload, a Service, a node, or the world (set"
          + " by the operator in status.summary.topFlows).")
  private Peer sourcePeer;

  @JsonPropertyDescription("What the destination address is, as for sourcePeer.")
  private Peer destinationPeer;

  @JsonPropertyDescription("Source port; missing for protocols without ports.")
  private Integer sourcePort;

  @JsonPropertyDescription("Destination port; missing for protocols without ports.")
  private Integer destinationPort;

  @JsonPropertyDescription("IP protocol name, such as TCP.")
  private String protocol;

  @JsonPropertyDescription("The monitored pod of the flow as namespace/name, when known.")
  private String pod;

  @JsonPropertyDescription("The node that reported the flow (set in status.summary.topFlows).")
  private String node;

  @JsonPropertyDescription("Bytes carried, since the flow was first seen.")
  private Long bytes;

  @JsonPropertyDescription("Packets carried, since the flow was first seen.")
  private Long packets;

  @JsonPropertyDescription("Rate in bits per second over the last status interval.")
  private Long bitsPerSecond;

  @JsonPropertyDescription(
      "Goodput: bytes of payload after the L2, L3 and L4 headers, since the flow was first"
          + " seen.")
  private Long payloadBytes;

  @JsonPropertyDescription(
      "The application of the flow by its port: a built-in name (HTTP for 80, HTTPS for 443,"
          + " DNS for 53) or the name of a spec.applications entry; missing when no port is"
          + " known.")
  private String application;

  @JsonPropertyDescription(
      "Mean time between the flow's packets in its current burst (a silence over 2s starts a new"
          + " one), in microseconds; only with spec.flows.jitter.")
  private Long meanInterArrivalMicros;

  @JsonPropertyDescription(
      "Jitter in microseconds: the standard deviation of the times between the flow's packets in"
          + " its current burst; only with spec.flows.jitter.")
  private Long jitterMicros;

  @JsonPropertyDescription(
      "Smoothed TCP round-trip time of the flow, in microseconds; TCP flows only.")
  private Long rttMicros;

  @JsonPropertyDescription("TCP retransmits of the flow, since it was first seen.")
  private Long retransmits;

  public String getSource() {
    return source;
  }

  public void setSource(String source) {
    this.source = source;
  }

  public String getDestination() {
    return destination;
  }

  public void setDestination(String destination) {
    this.destination = destination;
  }

  public Integer getSourcePort() {
    return sourcePort;
  }

  public void setSourcePort(Integer sourcePort) {
    this.sourcePort = sourcePort;
  }

  public Integer getDestinationPort() {
    return destinationPort;
  }

  public void setDestinationPort(Integer destinationPort) {
    this.destinationPort = destinationPort;
  }

  public String getProtocol() {
    return protocol;
  }

  public void setProtocol(String protocol) {
    this.protocol = protocol;
  }

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public String getNode() {
    return node;
  }

  public void setNode(String node) {
    this.node = node;
  }

  public Long getBytes() {
    return bytes;
  }

  public void setBytes(Long bytes) {
    this.bytes = bytes;
  }

  public Long getPackets() {
    return packets;
  }

  public void setPackets(Long packets) {
    this.packets = packets;
  }

  public Long getBitsPerSecond() {
    return bitsPerSecond;
  }

  public void setBitsPerSecond(Long bitsPerSecond) {
    this.bitsPerSecond = bitsPerSecond;
  }

  public Long getPayloadBytes() {
    return payloadBytes;
  }

  public void setPayloadBytes(Long payloadBytes) {
    this.payloadBytes = payloadBytes;
  }

  public String getApplication() {
    return application;
  }

  public void setApplication(String application) {
    this.application = application;
  }

  public Long getMeanInterArrivalMicros() {
    return meanInterArrivalMicros;
  }

  public void setMeanInterArrivalMicros(Long meanInterArrivalMicros) {
    this.meanInterArrivalMicros = meanInterArrivalMicros;
  }

  public Long getJitterMicros() {
    return jitterMicros;
  }

  public void setJitterMicros(Long jitterMicros) {
    this.jitterMicros = jitterMicros;
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

  public Peer getSourcePeer() {
    return sourcePeer;
  }

  public void setSourcePeer(Peer sourcePeer) {
    this.sourcePeer = sourcePeer;
  }

  public Peer getDestinationPeer() {
    return destinationPeer;
  }

  public void setDestinationPeer(Peer destinationPeer) {
    this.destinationPeer = destinationPeer;
  }
}
