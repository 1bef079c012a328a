package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Sequence-number loss measurement: each UDP or ICMP packet of a flow carries a 32-bit big-endian
 * sequence number at a known place in its payload; the agent follows it per flow and counts
 * reordering, gaps and estimated loss (status.nodes[].sequence).
 *
 * <p>{@code searchWindow} has no schema default, because a default would be filled in without a
 * pattern and then be refused by the rule that allows it only with one; readers use {@link
 * #DEFAULT_SEARCH_WINDOW} when it is missing.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.searchWindow) || has(self.pattern)",
    message =
        "sequence.searchWindow applies only with sequence.pattern: set a pattern or remove"
            + " searchWindow")
@ValidationRule(
    value = "has(self.pattern) || !has(self.offset) || self.offset + 4 <= 1500",
    message =
        "sequence.offset must be at most 1496: the 4-byte sequence number must end within the"
            + " first 1500 bytes of payload (offset + 4 <= 1500)")
@ValidationRule(
    value =
        "!has(self.pattern) || (has(self.searchWindow) ? self.searchWindow : "
            + Sequence.DEFAULT_SEARCH_WINDOW
            + ") + (has(self.offset) ? self.offset : 0) + 4 <= 1500",
    message =
        "with sequence.pattern, searchWindow + offset + 4 must be at most 1500: the sequence"
            + " number must end within the first 1500 bytes of payload")
public class Sequence {

  /** The search window used when {@code pattern} is set and {@code searchWindow} is not. */
  public static final int DEFAULT_SEARCH_WINDOW = 32;

  @JsonPropertyDescription(
      "Protocol whose packets carry the sequence number: UDP (the payload starts after the"
          + " 8-byte UDP header) or ICMP (the payload starts after the 8-byte ICMP header, as in"
          + " ping's data).")
  @Required
  @ValidationRule(
      value = "self == 'UDP' || self == 'ICMP'",
      message =
          "sequence.protocol must be UDP or ICMP: sequence numbers are read from their payload")
  private Protocol protocol;

  @JsonPropertyDescription(
      "Byte offset, 0 to 1500, of the 32-bit big-endian sequence number: counted from the"
          + " start of the L4 payload (after the 8-byte UDP or ICMP header) or, when pattern is"
          + " set, from the first byte after the pattern. offset + 4 must be at most 1500"
          + " (searchWindow + offset + 4 with a pattern).")
  @Default("0")
  @Min(0)
  @Max(1500)
  private Integer offset;

  @JsonPropertyDescription(
      "A 4-byte marker in hex with a 0x prefix (0xC0FFEE00), searched for in the first"
          + " searchWindow bytes of payload; the sequence number is read offset bytes after it."
          + " Packets without the marker are not counted. Missing: the sequence number is at"
          + " offset in every packet of the protocol.")
  @Size(max = 32) // loose, so that a wrong length gets the message below rather than "Too long"
  @ValidationRule(
      value = "self.matches('^0[xX][0-9a-fA-F]{8}$')",
      message =
          "sequence.pattern must be exactly 4 bytes in hex with a 0x prefix, such as 0xC0FFEE00")
  private String pattern;

  @JsonPropertyDescription(
      "How many bytes at the start of the payload are searched for pattern, 4 to 64; the"
          + " pattern must lie entirely within them. Only with pattern; missing: 32.")
  @Min(4)
  @Max(64)
  private Integer searchWindow;

  @JsonPropertyDescription(
      "Largest jump counted as a small gap, 1 to 1000000: a sequence number that skips at most"
          + " this many numbers is a small gap, a bigger jump a big gap (a burst of loss); the"
          + " missing numbers of both count as lost. A jump of more than 2^20 numbers either way"
          + " is taken as a sender restart.")
  @Default("10")
  @Min(1)
  @Max(1000000)
  private Integer gapThreshold;

  public Protocol getProtocol() {
    return protocol;
  }

  public void setProtocol(Protocol protocol) {
    this.protocol = protocol;
  }

  public Integer getOffset() {
    return offset;
  }

  public void setOffset(Integer offset) {
    this.offset = offset;
  }

  public String getPattern() {
    return pattern;
  }

  public void setPattern(String pattern) {
    this.pattern = pattern;
  }

  public Integer getSearchWindow() {
    return searchWindow;
  }

  public void setSearchWindow(Integer searchWindow) {
    this.searchWindow = searchWindow;
  }

  public Integer getGapThreshold() {
    return gapThreshold;
  }

  public void setGapThreshold(Integer gapThreshold) {
    this.gapThreshold = gapThreshold;
  }
}
