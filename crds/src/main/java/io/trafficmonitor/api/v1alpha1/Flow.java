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
}
