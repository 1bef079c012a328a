package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Hierarchical heavy hitters by address prefix (spec.prefixes): which source and destination
 * prefixes carry at least a threshold's share of the monitor's bytes. The constants are the one
 * source of the figures the agents and the operator use and the descriptions state.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrefixSettings {

  /** spec.prefixes.threshold when missing: 5% of the monitor's bytes. */
  public static final double DEFAULT_THRESHOLD = 0.05;

  /** The smallest threshold the schema admits. */
  public static final double MIN_THRESHOLD = 0.02;

  /**
   * Each node lists its prefixes down to this fraction of the threshold, so that the operator's
   * merge over nodes misses less (see {@link HeavyPrefix}).
   */
  public static final double NODE_FRACTION = 0.5;

  /**
   * Counters per prefix length, address family and direction in each agent (Space-Saving): a
   * prefix's bytes are over-estimated by at most 1/COUNTERS of its family's bytes, which must stay
   * below the nodes' listing threshold (MIN_THRESHOLD * NODE_FRACTION = 1%).
   */
  public static final int COUNTERS = 128;

  /** Prefix lengths followed for IPv4 and for IPv6 addresses. */
  public static final int[] IPV4_LENGTHS = {8, 16, 24, 32};

  public static final int[] IPV6_LENGTHS = {16, 32, 48, 64, 128};

  @JsonPropertyDescription(
      "Find the heavy prefixes of the monitor's traffic (status.summary.heavyPrefixes). Off by"
          + " default (a monitor at a 10ms interval with 10,000 flows would spend most of a core"
          + " on them); on, each agent keeps, per monitor, "
          + COUNTERS
          + " counters (48 bytes each) per prefix length (IPv4 /8, /16, /24, /32; IPv6 /16, /32,"
          + " /48, /64, /128) and direction (source, destination): at most 2,304 counters, 111"
          + " KiB, allocated per address family on its first packet (50 KiB for IPv4 only), and"
          + " about 0.8 us of CPU per flow with traffic in each collection"
          + " (docs/benchmarks/prefixes.md). Off: the agents forget their counts.")
  @Default("false")
  private Boolean enabled;

  @JsonPropertyDescription(
      "The share of the monitor's bytes (a ratio, 0.02 to 0.5; default 0.05 for 5%) above which"
          + " a prefix is listed: a prefix is heavy when its bytes, less those of the heavy"
          + " prefixes inside it (of the same direction), are at least this share of all the"
          + " monitor's bytes (conditioned hierarchical heavy hitters). At most 1/threshold"
          + " prefixes per direction can be heavy.")
  @Default("0.05")
  @ValidationRule(
      value = "self >= 0.02 && self <= 0.5",
      message = "prefixes.threshold must be between 0.02 and 0.5, such as 0.05 for 5%")
  private Double threshold;

  /**
   * The threshold in force for {@code p} (spec.prefixes, maybe missing), or 0 when off: off unless
   * enabled, then {@link #DEFAULT_THRESHOLD} when no threshold is given; a value the schema should
   * have refused is clamped.
   */
  public static double thresholdOf(PrefixSettings p) {
    if (p == null || !Boolean.TRUE.equals(p.getEnabled())) {
      return 0;
    }
    double t = p.getThreshold() == null ? DEFAULT_THRESHOLD : p.getThreshold();
    return Math.max(MIN_THRESHOLD, Math.min(0.5, t));
  }

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public Double getThreshold() {
    return threshold;
  }

  public void setThreshold(Double threshold) {
    this.threshold = threshold;
  }
}
