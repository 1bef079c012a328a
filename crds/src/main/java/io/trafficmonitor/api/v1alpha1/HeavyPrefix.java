package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * A heavy prefix (spec.prefixes): an address prefix of the packets' sources or destinations whose
 * bytes, less those of the heavy prefixes inside it, reach the threshold's share of the monitor's
 * bytes (conditioned hierarchical heavy hitters, Cormode et al.; Mitzenmacher, Steinke and Thaler).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HeavyPrefix {

  /** A node lists at most this many prefixes per direction (its list's maxItems: twice it). */
  public static final int NODE_MAX_PER_DIRECTION = 128;

  /** status.summary lists at most this many per direction (maxItems: twice it). */
  public static final int SUMMARY_MAX_PER_DIRECTION = 50;

  /** What the node lists say: their descriptions are the one statement of the guarantees. */
  public static final String NODE_LIST =
      "This node's heavy prefixes (spec.prefixes), listed down to half of spec.prefixes.threshold"
          + " so that the operator's merge misses less; at most "
          + NODE_MAX_PER_DIRECTION
          + " per direction, largest share first. Each agent keeps "
          + PrefixSettings.COUNTERS
          + " Space-Saving counters per prefix length, address family and direction: a prefix's"
          + " totalBytes is never below its true count and above it by at most 1/"
          + PrefixSettings.COUNTERS
          + " of the node's bytes of its address family; no prefix whose bytes, less those of"
          + " the listed prefixes inside it, reach half the threshold is left out. Counted since"
          + " the agent started (kept across agent restarts) or the prefixes were enabled. Not"
          + " kept in status.nodes (the summary merges them).";

  public static final String SUMMARY_LIST =
      "The heavy prefixes of the monitor over all nodes (spec.prefixes): for each direction,"
          + " the source or destination prefixes whose bytes, less those of the listed prefixes"
          + " inside them, are at least spec.prefixes.threshold of the monitor's bytes (rxBytes +"
          + " txBytes), at most "
          + SUMMARY_MAX_PER_DIRECTION
          + " per direction, largest share first. Merged from the nodes'"
          + " lists, which go down to half the threshold: a prefix's totalBytes is the sum over"
          + " the nodes of its own totalBytes where a node lists it, else of the listed prefixes"
          + " inside it, so where a node did not list the prefix its bytes there may fall short,"
          + " by less than half the threshold of that node's bytes. The merge is exact (up to the"
          + " agents' counter error, 1/"
          + PrefixSettings.COUNTERS
          + " of the bytes) when every node that carried a prefix lists it; otherwise a prefix is"
          + " always listed from 1.5 times the threshold, and may be missed between the threshold"
          + " and 1.5 times it.";

  @JsonPropertyDescription(
      "Source: the prefix of the packets' source addresses; Destination: of their destination"
          + " addresses.")
  @Required
  private PrefixDirection direction;

  @JsonPropertyDescription(
      "The prefix, such as 10.1.0.0/16 or 2001:db8::/32 (lengths IPv4 /8, /16, /24, /32; IPv6"
          + " /16, /32, /48, /64, /128).")
  @Required
  @Size(max = 43)
  private String prefix;

  @JsonPropertyDescription(
      "Bytes of the packets whose address is in the prefix but in none of the listed prefixes"
          + " inside it (of the same direction): what the prefix carries beyond its heavy"
          + " parts.")
  private Long bytes;

  @JsonPropertyDescription("Bytes of all packets whose address is in the prefix.")
  private Long totalBytes;

  @JsonPropertyDescription(
      "bytes as a share of the monitor's bytes (rxBytes + txBytes beside this list), 0 to 1,"
          + " rounded to 4 decimals.")
  private Double share;

  public HeavyPrefix() {}

  public HeavyPrefix(
      PrefixDirection direction, String prefix, Long bytes, Long totalBytes, Double share) {
    this.direction = direction;
    this.prefix = prefix;
    this.bytes = bytes;
    this.totalBytes = totalBytes;
    this.share = share;
  }

  public PrefixDirection getDirection() {
    return direction;
  }

  public void setDirection(PrefixDirection direction) {
    this.direction = direction;
  }

  public String getPrefix() {
    return prefix;
  }

  public void setPrefix(String prefix) {
    this.prefix = prefix;
  }

  public Long getBytes() {
    return bytes;
  }

  public void setBytes(Long bytes) {
    this.bytes = bytes;
  }

  public Long getTotalBytes() {
    return totalBytes;
  }

  public void setTotalBytes(Long totalBytes) {
    this.totalBytes = totalBytes;
  }

  public Double getShare() {
    return share;
  }

  public void setShare(Double share) {
    this.share = share;
  }
}
