package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * What the sequence-number measurement of {@code spec.sequence} counted, since the agent started
 * (per node) or over all nodes (in the summary).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SequenceStatus {

  @JsonPropertyDescription("Packets whose sequence number was read.")
  private Long received;

  @JsonPropertyDescription(
      "Packets whose sequence number was not above the highest one seen in their flow: out of"
          + " order or duplicate.")
  private Long reverse;

  @JsonPropertyDescription(
      "Jumps forward that skipped 1 to spec.sequence.gapThreshold sequence numbers.")
  private Long smallGaps;

  @JsonPropertyDescription(
      "Jumps forward that skipped more than spec.sequence.gapThreshold sequence numbers (a"
          + " burst of loss); their numbers count as lost too. A jump of more than 2^20 numbers"
          + " either way is taken as a sender restart and counted nowhere.")
  private Long bigGaps;

  @JsonPropertyDescription(
      "Estimated lost packets: the sequence numbers skipped by gaps, small and big, minus the"
          + " packets that arrived late (reverse). A duplicate is taken for a late packet and"
          + " lowers the estimate.")
  private Long lost;

  public Long getReceived() {
    return received;
  }

  public void setReceived(Long received) {
    this.received = received;
  }

  public Long getReverse() {
    return reverse;
  }

  public void setReverse(Long reverse) {
    this.reverse = reverse;
  }

  public Long getSmallGaps() {
    return smallGaps;
  }

  public void setSmallGaps(Long smallGaps) {
    this.smallGaps = smallGaps;
  }

  public Long getBigGaps() {
    return bigGaps;
  }

  public void setBigGaps(Long bigGaps) {
    this.bigGaps = bigGaps;
  }

  public Long getLost() {
    return lost;
  }

  public void setLost(Long lost) {
    this.lost = lost;
  }
}
