package io.trafficmonitor.datapath.flow;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Where packets carry a 32-bit big-endian sequence number: packets of {@code protocol} (UDP, or
 * ICMP meaning ICMP and ICMPv6), at {@code offset} bytes from the start of the L4 payload, or, when
 * {@code pattern} (4 bytes) is set, {@code offset} bytes after the first occurrence of the pattern
 * within the first {@code window} payload bytes. A jump of at most {@code gapThreshold} missing
 * numbers is a small gap, a larger one a big gap.
 */
public record SequenceConfig(
    int protocol, int offset, byte[] pattern, int window, int gapThreshold) {
  public static final int UDP = 17;
  public static final int ICMP = 1;

  public SequenceConfig {
    if (protocol != UDP && protocol != ICMP) {
      throw new IllegalArgumentException("sequence protocol must be UDP (17) or ICMP (1)");
    }
    if (offset < 0 || offset > 1500) {
      throw new IllegalArgumentException("sequence offset must be 0..1500: " + offset);
    }
    if (pattern != null && pattern.length != 4) {
      throw new IllegalArgumentException("sequence pattern must be 4 bytes");
    }
    if (window < 4 || window > FlowLayout.SEQ_MAX_WINDOW) {
      throw new IllegalArgumentException("sequence window must be 4..64: " + window);
    }
    if (gapThreshold < 1) {
      throw new IllegalArgumentException("gap threshold must be at least 1: " + gapThreshold);
    }
  }

  /** The number at {@code offset} bytes into the payload. */
  public static SequenceConfig atOffset(int protocol, int offset, int gapThreshold) {
    return new SequenceConfig(protocol, offset, null, 32, gapThreshold);
  }

  /** The number {@code offset} bytes after {@code pattern}, looked for in {@code window} bytes. */
  public static SequenceConfig afterPattern(
      int protocol, byte[] pattern, int offset, int window, int gapThreshold) {
    return new SequenceConfig(protocol, offset, pattern.clone(), window, gapThreshold);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SequenceConfig c
        && protocol == c.protocol
        && offset == c.offset
        && Arrays.equals(pattern, c.pattern)
        && window == c.window
        && gapThreshold == c.gapThreshold;
  }

  @Override
  public int hashCode() {
    return Objects.hash(protocol, offset, Arrays.hashCode(pattern), window, gapThreshold);
  }

  @Override
  public String toString() {
    return "SequenceConfig[protocol="
        + protocol
        + ", offset="
        + offset
        + ", pattern="
        + (pattern == null ? "none" : HexFormat.of().formatHex(pattern))
        + ", window="
        + window
        + ", gapThreshold="
        + gapThreshold
        + "]";
  }
}
