package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Counts the packets whose L4 payload carries {@code pattern} at {@code offset}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.pattern) || !has(self.offset)"
            + " || self.offset + (size(self.pattern) - 2) / 2 <= 1500",
    message = "the pattern must end within the first 1500 bytes of payload (offset + length)")
public class SequenceMatch {

  @JsonPropertyDescription("Transport protocol whose payload is matched: TCP or UDP.")
  @Required
  @ValidationRule(
      value = "self in ['TCP', 'UDP']",
      message = "sequence.protocol must be TCP or UDP")
  private Protocol protocol;

  @JsonPropertyDescription("Byte offset of the pattern in the payload, 0 to 1500.")
  @Default("0")
  @Min(0)
  @Max(1500)
  private Integer offset;

  @JsonPropertyDescription("The bytes to look for, in hex with a 0x prefix, 1 to 16 bytes.")
  @Required
  @Size(max = 34)
  @ValidationRule(
      value = "self.matches('^0[xX]([0-9a-fA-F]{2}){1,16}$')",
      message = "pattern must be 1 to 16 bytes in hex such as 0xC0FFEE00")
  private String pattern;

  @JsonPropertyDescription(
      "Matches per collection interval above which the node reports the sequence as seen.")
  @Default("1")
  @Min(1)
  private Long threshold;

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

  public Long getThreshold() {
    return threshold;
  }

  public void setThreshold(Long threshold) {
    this.threshold = threshold;
  }
}
