package io.trafficmonitor.datapath.flow;

import io.trafficmonitor.bpf.Direction;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A flow: 5-tuple, where it was seen and in which direction. Addresses are 16 bytes, IPv4 as
 * IPv4-mapped IPv6; for ICMP the ports hold type (source) and code (destination).
 */
public record FlowKey(
    byte[] source,
    byte[] destination,
    int sourcePort,
    int destinationPort,
    int protocol,
    int family,
    TargetKind kind,
    long target,
    Direction direction) {

  public static final int TCP = 6;
  public static final int UDP = 17;
  public static final int ICMP = 1;
  public static final int ICMPV6 = 58;

  /** Decodes the key at the buffer's offset (native order buffer). */
  public static FlowKey decode(ByteBuffer b, int off) {
    byte[] src = new byte[16];
    byte[] dst = new byte[16];
    b.get(off + FlowLayout.KEY_SRC, src);
    b.get(off + FlowLayout.KEY_DST, dst);
    return new FlowKey(
        src,
        dst,
        Short.toUnsignedInt(b.getShort(off + FlowLayout.KEY_SPORT)),
        Short.toUnsignedInt(b.getShort(off + FlowLayout.KEY_DPORT)),
        Byte.toUnsignedInt(b.get(off + FlowLayout.KEY_PROTO)),
        b.get(off + FlowLayout.KEY_FAMILY),
        TargetKind.of(b.get(off + FlowLayout.KEY_KIND)),
        b.getLong(off + FlowLayout.KEY_TARGET),
        FlowLayout.direction(b.get(off + FlowLayout.KEY_DIRECTION)));
  }

  /** Encodes into the kernel layout (for lookups and deletes). */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(FlowLayout.KEY_SIZE).order(ByteOrder.nativeOrder());
    b.put(FlowLayout.KEY_SRC, source);
    b.put(FlowLayout.KEY_DST, destination);
    b.putLong(FlowLayout.KEY_TARGET, target);
    b.putShort(FlowLayout.KEY_SPORT, (short) sourcePort);
    b.putShort(FlowLayout.KEY_DPORT, (short) destinationPort);
    b.put(FlowLayout.KEY_PROTO, (byte) protocol);
    b.put(FlowLayout.KEY_FAMILY, (byte) family);
    b.put(FlowLayout.KEY_KIND, (byte) kind.code());
    b.put(FlowLayout.KEY_DIRECTION, (byte) FlowLayout.code(direction));
    return b.array();
  }

  public InetAddress sourceAddress() {
    return address(family, source);
  }

  public InetAddress destinationAddress() {
    return address(family, destination);
  }

  /**
   * The address of a 16-byte key field: IPv4-mapped for family 4 (the layout of the flow map and
   * the connection table).
   */
  static InetAddress address(int family, byte[] a) {
    try {
      return InetAddress.getByAddress(family == 4 ? Arrays.copyOfRange(a, 12, 16) : a);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FlowKey k
        && Arrays.equals(source, k.source)
        && Arrays.equals(destination, k.destination)
        && sourcePort == k.sourcePort
        && destinationPort == k.destinationPort
        && protocol == k.protocol
        && family == k.family
        && kind == k.kind
        && target == k.target
        && direction == k.direction;
  }

  @Override
  public int hashCode() {
    return ((Arrays.hashCode(source) * 31 + Arrays.hashCode(destination)) * 31
                + (sourcePort << 16 | destinationPort))
            * 31
        + Long.hashCode(target) * 7
        + protocol;
  }

  @Override
  public String toString() {
    return kind
        + ":"
        + target
        + " "
        + direction
        + " proto "
        + protocol
        + " "
        + sourceAddress().getHostAddress()
        + ":"
        + sourcePort
        + " > "
        + destinationAddress().getHostAddress()
        + ":"
        + destinationPort;
  }
}
