package io.trafficmonitor.api.v1alpha1;

import java.util.Locale;

/**
 * An address prefix as status.*.heavyPrefixes spell it ({@code 10.1.0.0/16}, {@code 2001:db8::/32}:
 * RFC 5952 text, host bits zero), for the agents that write it and the operator that merges it. The
 * address is 128 bits, {@code hi} then {@code lo}, big-endian; an IPv4 address is the low 32 bits
 * of {@code lo}.
 */
public record IpPrefix(boolean v6, long hi, long lo, int length) {

  /** The prefix of {@code length} bits of the address (host bits cleared). */
  public static IpPrefix of(boolean v6, long hi, long lo, int length) {
    if (length < 0 || length > (v6 ? 128 : 32)) {
      throw new IllegalArgumentException("prefix length out of range: " + length);
    }
    if (!v6) {
      return new IpPrefix(false, 0, lo & 0xffff_ffffL & ~(0xffff_ffffL >>> length), length);
    }
    return new IpPrefix(true, hi & mask(length), lo & mask(length - 64), length);
  }

  /** The first {@code bits} bits set (0 to 64; below 0 none, above 64 all). */
  public static long mask(int bits) {
    return bits <= 0 ? 0 : bits >= 64 ? -1L : -1L << (64 - bits);
  }

  /** This prefix cut to {@code shorter} bits. */
  public IpPrefix truncate(int shorter) {
    return of(v6, hi, lo, shorter);
  }

  /** Whether {@code other} lies inside this prefix (or is it). */
  public boolean contains(IpPrefix other) {
    return other.v6 == v6 && other.length >= length && other.truncate(length).equals(this);
  }

  /** Reads {@code a.b.c.d/n} or an IPv6 text with {@code /n}. */
  public static IpPrefix parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("not a prefix such as 10.0.0.0/8: " + text);
    }
    String address = text.substring(0, slash);
    int length;
    try {
      length = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a prefix length: " + text);
    }
    if (address.indexOf(':') < 0) {
      String[] parts = address.split("\\.", -1);
      if (parts.length != 4) {
        throw new IllegalArgumentException("not an IPv4 address: " + text);
      }
      long v = 0;
      for (String p : parts) {
        int b = Integer.parseInt(p);
        if (b < 0 || b > 255) {
          throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        v = v << 8 | b;
      }
      return of(false, 0, v, length);
    }
    int[] groups = new int[8];
    int gap = address.indexOf("::");
    String[] head = gap < 0 ? address.split(":", -1) : split(address.substring(0, gap));
    String[] tail = gap < 0 ? new String[0] : split(address.substring(gap + 2));
    if (gap < 0 ? head.length != 8 : head.length + tail.length > 7) {
      throw new IllegalArgumentException("not an IPv6 address: " + text);
    }
    for (int i = 0; i < head.length; i++) {
      groups[i] = Integer.parseInt(head[i], 16);
    }
    for (int i = 0; i < tail.length; i++) {
      groups[8 - tail.length + i] = Integer.parseInt(tail[i], 16);
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 4; i++) {
      hi = hi << 16 | (groups[i] & 0xffff);
      lo = lo << 16 | (groups[i + 4] & 0xffff);
    }
    return of(true, hi, lo, length);
  }

  private static String[] split(String s) {
    return s.isEmpty() ? new String[0] : s.split(":", -1);
  }

  /** RFC 5952 text: lower case, the longest run of two or more zero groups as {@code ::}. */
  @Override
  public String toString() {
    if (!v6) {
      return (lo >>> 24 & 0xff)
          + "."
          + (lo >>> 16 & 0xff)
          + "."
          + (lo >>> 8 & 0xff)
          + "."
          + (lo & 0xff)
          + "/"
          + length;
    }
    int[] g = new int[8];
    for (int i = 0; i < 4; i++) {
      g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
      g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString().toLowerCase(Locale.ROOT) + "/" + length;
  }
}
