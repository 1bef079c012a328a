package io.trafficmonitor.agent.collect;

import io.trafficmonitor.datapath.flow.FlowKey;
import io.trafficmonitor.datapath.flow.FlowLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The 48 bytes of a kernel flow key as six longs: cheap to hash, compare and keep. */
final class FlowId {
  private long a;
  private long b;
  private long c;
  private long d;
  private long e;
  private long f;
  private int hash;

  FlowId() {}

  FlowId(FlowId o) {
    a = o.a;
    b = o.b;
    c = o.c;
    d = o.d;
    e = o.e;
    f = o.f;
    hash = o.hash;
  }

  /** Loads the key at {@code off} (a native-order buffer); returns this. */
  FlowId set(ByteBuffer keys, int off) {
    a = keys.getLong(off);
    b = keys.getLong(off + 8);
    c = keys.getLong(off + 16);
    d = keys.getLong(off + 24);
    e = keys.getLong(off + 32);
    f = keys.getLong(off + 40);
    long h = a * 31 + b;
    h = h * 31 + c;
    h = h * 31 + d;
    h = h * 31 + e;
    h = h * 31 + f;
    h ^= h >>> 29;
    h *= 0xbf58476d1ce4e5b9L;
    hash = (int) (h ^ (h >>> 32));
    return this;
  }

  byte[] bytes() {
    return ByteBuffer.allocate(FlowLayout.KEY_SIZE)
        .order(ByteOrder.nativeOrder())
        .putLong(a)
        .putLong(b)
        .putLong(c)
        .putLong(d)
        .putLong(e)
        .putLong(f)
        .array();
  }

  FlowKey decode() {
    return FlowKey.decode(ByteBuffer.wrap(bytes()).order(ByteOrder.nativeOrder()), 0);
  }

  /** The same 5-tuple (addresses, ports, protocol), wherever and whichever way it was seen. */
  boolean sameTuple(FlowId o) {
    long mask = 0xffff_ffffL | (0xffL << 32); // ports and protocol of the last long (LE)
    return a == o.a && b == o.b && c == o.c && d == o.d && (f & mask) == (o.f & mask);
  }

  long tupleHash() {
    long mask = 0xffff_ffffL | (0xffL << 32);
    return ((a * 31 + b) * 31 + c) * 31 + d + (f & mask) * 17;
  }

  /**
   * Word {@code i} of the addresses, big-endian: 0 and 1 the source's halves, 2 and 3 the
   * destination's (an IPv4 address is the low 32 bits of the second half).
   */
  long addressWord(int i) {
    long w =
        switch (i) {
          case 0 -> a;
          case 1 -> b;
          case 2 -> c;
          default -> d;
        };
    return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Long.reverseBytes(w) : w;
  }

  /** Whether the key at {@code off} of a native-order buffer is this one. */
  boolean matches(ByteBuffer keys, int off) {
    return a == keys.getLong(off)
        && b == keys.getLong(off + 8)
        && c == keys.getLong(off + 16)
        && d == keys.getLong(off + 24)
        && e == keys.getLong(off + 32)
        && f == keys.getLong(off + 40);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FlowId x
        && x.a == a
        && x.b == b
        && x.c == c
        && x.d == d
        && x.e == e
        && x.f == f;
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
