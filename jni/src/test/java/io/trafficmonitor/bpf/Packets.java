package io.trafficmonitor.bpf;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;

/** Crafted frames for BPF_PROG_TEST_RUN (checksums are not looked at by the parser). */
public final class Packets {
  public static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
  public static final byte[] MAC_B = {2, 0, 0, 0, 0, 2};

  private Packets() {}

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  public static byte[] eth(int etherType, byte[] payload) {
    return concat(MAC_B, MAC_A, new byte[] {(byte) (etherType >> 8), (byte) etherType}, payload);
  }

  public static byte[] vlan(int vid, int etherType, byte[] payload) {
    return concat(
        new byte[] {(byte) (vid >> 8), (byte) vid, (byte) (etherType >> 8), (byte) etherType},
        payload);
  }

  public static byte[] addr(String a) {
    try {
      return InetAddress.getByName(a).getAddress();
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** IPv4 header (+ options, a multiple of 4) + payload; fragField = flags/offset word. */
  public static byte[] ipv4(
      int proto, String src, String dst, byte[] options, int fragField, byte[] l4) {
    int hl = 20 + options.length;
    int total = hl + l4.length;
    byte[] h = new byte[20];
    h[0] = (byte) (0x40 | (hl / 4));
    h[2] = (byte) (total >> 8);
    h[3] = (byte) total;
    h[6] = (byte) (fragField >> 8);
    h[7] = (byte) fragField;
    h[8] = 64;
    h[9] = (byte) proto;
    System.arraycopy(addr(src), 0, h, 12, 4);
    System.arraycopy(addr(dst), 0, h, 16, 4);
    return concat(h, options, l4);
  }

  public static byte[] ipv4(int proto, String src, String dst, byte[] l4) {
    return ipv4(proto, src, dst, new byte[0], 0, l4);
  }

  /** IPv6 header; rest = extension headers + upper layer. */
  public static byte[] ipv6(int next, String src, String dst, byte[] rest) {
    byte[] h = new byte[40];
    h[0] = 0x60;
    h[4] = (byte) (rest.length >> 8);
    h[5] = (byte) rest.length;
    h[6] = (byte) next;
    h[7] = 64;
    System.arraycopy(addr(src), 0, h, 8, 16);
    System.arraycopy(addr(dst), 0, h, 24, 16);
    return concat(h, rest);
  }

  /** Hop-by-hop / destination options / routing header of len8 * 8 bytes. */
  public static byte[] ext(int next, int len8) {
    byte[] e = new byte[len8 * 8];
    e[0] = (byte) next;
    e[1] = (byte) (len8 - 1);
    if (len8 * 8 > 2) {
      e[2] = 1; // PadN
      e[3] = (byte) (len8 * 8 - 4);
    }
    return e;
  }

  /** IPv6 fragment header; offset in 8-byte units. */
  public static byte[] frag6(int next, int offset, boolean more) {
    int v = (offset << 3) | (more ? 1 : 0);
    return new byte[] {(byte) next, 0, (byte) (v >> 8), (byte) v, 0, 0, 0, 42};
  }

  public static byte[] udp(int sport, int dport, int payload) {
    byte[] u = new byte[8 + payload];
    u[0] = (byte) (sport >> 8);
    u[1] = (byte) sport;
    u[2] = (byte) (dport >> 8);
    u[3] = (byte) dport;
    u[4] = (byte) (u.length >> 8);
    u[5] = (byte) u.length;
    return u;
  }

  public static byte[] tcp(int sport, int dport, int flags, int optionBytes, int payload) {
    int hl = 20 + optionBytes;
    byte[] t = new byte[hl + payload];
    t[0] = (byte) (sport >> 8);
    t[1] = (byte) sport;
    t[2] = (byte) (dport >> 8);
    t[3] = (byte) dport;
    t[12] = (byte) ((hl / 4) << 4);
    t[13] = (byte) flags;
    for (int i = 20; i < hl; i++) {
      t[i] = 1; // NOP options
    }
    return t;
  }

  public static byte[] icmp(int type, int code, int payload) {
    byte[] i = new byte[8 + payload];
    i[0] = (byte) type;
    i[1] = (byte) code;
    return i;
  }
}
