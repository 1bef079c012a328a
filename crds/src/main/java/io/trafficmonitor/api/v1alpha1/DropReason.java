package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Packets the kernel dropped for one reason. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DropReason {

  @JsonPropertyDescription(
      "The kernel's drop reason, as its skb drop reason name without the SKB_DROP_REASON_"
          + " prefix (NO_SOCKET, NETFILTER_DROP, TCP_CSUM).")
  @Required
  private String reason;

  @JsonPropertyDescription("Packets dropped for this reason, since the agent started.")
  private Long packets;

  public DropReason() {}

  public DropReason(String reason, Long packets) {
    this.reason = reason;
    this.packets = packets;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public Long getPackets() {
    return packets;
  }

  public void setPackets(Long packets) {
    this.packets = packets;
  }
}
