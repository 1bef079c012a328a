package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A remote address and the bytes exchanged with it (a heavy hitter). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Talker {

  @JsonPropertyDescription("The remote IP address (the peer of the monitored pods or interfaces).")
  @Required
  private String address;

  @JsonPropertyDescription(
      "Bytes sent to and received from it since the agent started: a Count-Min Sketch estimate,"
          + " never below the true count and above it by at most 0.07% of all bytes (99.3% of the"
          + " time).")
  private Long bytes;

  @JsonPropertyDescription(
      "What the address is: a pod and its workload, a Service, a node, or the world (set by the"
          + " operator in status.summary.topTalkers).")
  private Peer peer;

  public Talker() {}

  public Talker(String address, Long bytes) {
    this.address = address;
    this.bytes = bytes;
  }

  public String getAddress() {
    return address;
  }

  public void setAddress(String address) {
    this.address = address;
  }

  public Long getBytes() {
    return bytes;
  }

  public void setBytes(Long bytes) {
    this.bytes = bytes;
  }

  public Peer getPeer() {
    return peer;
  }

  public void setPeer(Peer peer) {
    this.peer = peer;
  }
}
