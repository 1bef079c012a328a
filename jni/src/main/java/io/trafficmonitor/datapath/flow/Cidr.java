package io.trafficmonitor.datapath.flow;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An address block, kept as 16 bytes (IPv4 as IPv4-mapped IPv6) and a prefix length in that 128-bit
 * space.
 */
public record Cidr(int family, byte[] network, int prefix) {

  /** Parses {@code 10.0.0.0/8}, {@code fd00::/64} or a single address. */
  public static Cidr parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String addr = slash < 0 ? t : t.substring(0, slash);
    if (!addr.matches("[0-9a-fA-F.:]+")) {
      throw new IllegalArgumentException("not an IP address: " + text);
    }
    InetAddress a;
    try {
      a = InetAddress.getByName(addr); // a literal: no name lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + text, e);
    }
    boolean v4 = a instanceof Inet4Address;
    int max = v4 ? 32 : 128;
    int len = slash < 0 ? max : Integer.parseInt(t.substring(slash + 1));
    if (len < 0 || len > max) {
      throw new IllegalArgumentException("prefix length out of range: " + text);
    }
    byte[] net = new byte[16];
    if (v4) {
      net[10] = (byte) 0xff;
      net[11] = (byte) 0xff;
      System.arraycopy(a.getAddress(), 0, net, 12, 4);
    } else {
      System.arraycopy(a.getAddress(), 0, net, 0, 16);
    }
    int prefix = v4 ? 96 + len : len;
    byte[] mask = maskOf(prefix);
    for (int i = 0; i < 16; i++) {
      net[i] &= mask[i];
    }
    return new Cidr(v4 ? 4 : 6, net, prefix);
  }

  /** Whether a 16-byte (IPv4-mapped for IPv4) address is inside this block. */
  public boolean contains(byte[] address16) {
    byte[] m = mask();
    for (int i = 0; i < 16; i++) {
      if ((address16[i] & m[i]) != network[i]) {
        return false;
      }
    }
    return true;
  }

  /** The 16-byte mask of this block. */
  public byte[] mask() {
    return maskOf(prefix);
  }

  static byte[] maskOf(int prefix) {
    byte[] m = new byte[16];
    for (int i = 0; i < 16; i++) {
      int bits = Math.max(0, Math.min(8, prefix - 8 * i));
      m[i] = (byte) (0xff << (8 - bits));
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c
        && c.family == family
        && c.prefix == prefix
        && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + prefix;
  }

  @Override
  public String toString() {
    try {
      byte[] a = family == 4 ? Arrays.copyOfRange(network, 12, 16) : network;
      return InetAddress.getByAddress(a).getHostAddress()
          + "/"
          + (family == 4 ? prefix - 96 : prefix);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
