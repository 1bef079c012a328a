package io.trafficmonitor.agent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Cumulative counters of one metric series: a target, a direction (ingress or egress from the pod
 * or node's point of view) and a protocol. Written by the collector only; read by scrapes.
 */
public final class Series {
  /** The labels of the series, apart from the monitor. */
  public record Key(Target target, String direction, String protocol) {}

  private final Key key;
  private volatile long bytes;
  private volatile long packets;

  Series(Key key) {
    this.key = key;
  }

  public Key key() {
    return key;
  }

  public long bytes() {
    return bytes;
  }

  public long packets() {
    return packets;
  }

  void add(long deltaBytes, long deltaPackets) {
    // one writer (the collector): a release store is enough for scrapes to see whole values
    BYTES.setRelease(this, (long) BYTES.get(this) + deltaBytes);
    PACKETS.setRelease(this, (long) PACKETS.get(this) + deltaPackets);
  }

  private static final VarHandle BYTES;
  private static final VarHandle PACKETS;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      BYTES = l.findVarHandle(Series.class, "bytes", long.class);
      PACKETS = l.findVarHandle(Series.class, "packets", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
