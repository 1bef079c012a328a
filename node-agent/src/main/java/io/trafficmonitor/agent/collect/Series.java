package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.datapath.flow.FlowLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Cumulative counters of one metric series: a target, a direction (ingress or egress from the pod
 * or node's point of view) and a protocol. Written by the collector only; read by scrapes.
 */
public final class Series {
  /** The labels of the series, apart from the monitor. */
  public record Key(Target target, String direction, String protocol) {}

  /** Sequence figures: indexes into {@link #sequence()}. */
  public static final int SEQ_RECEIVED = 0;

  public static final int SEQ_REVERSE = 1;
  public static final int SEQ_SMALL_GAPS = 2;
  public static final int SEQ_BIG_GAPS = 3;
  public static final int SEQ_MISSING = 4;
  public static final int SEQ_FIGURES = 5;

  private final Key key;
  private volatile long bytes;
  private volatile long packets;
  private volatile long payloadBytes;
  private final AtomicLongArray sizes = new AtomicLongArray(FlowLayout.HIST_BUCKETS);
  private final AtomicLongArray sequence = new AtomicLongArray(SEQ_FIGURES);
  private volatile boolean sequenced;

  /** Bytes and packets at the monitor's last interval record (the collection thread's). */
  long recordBytes;

  long recordPackets;

  public Series(Key key) {
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

  /** L4 payload bytes (goodput). */
  public long payloadBytes() {
    return payloadBytes;
  }

  /** Packets per size bucket ({@code SizeHistogram} buckets), cumulative. */
  public long[] sizes() {
    long[] out = new long[sizes.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = sizes.get(i);
    }
    return out;
  }

  /** Sequence figures (received, reverse, small gaps, big gaps, missing), cumulative. */
  public long sequence(int figure) {
    return sequence.get(figure);
  }

  /** Estimated lost packets: numbers skipped by gaps minus late arrivals. */
  public long sequenceLost() {
    return Math.max(0, sequence.get(SEQ_MISSING) - sequence.get(SEQ_REVERSE));
  }

  /** True once packets of this series carried sequence numbers. */
  public boolean sequenced() {
    return sequenced;
  }

  void addPayload(long delta) {
    PAYLOAD.setRelease(this, (long) PAYLOAD.get(this) + delta);
  }

  void addSize(int bucket, long delta) {
    sizes.addAndGet(bucket, delta);
  }

  /** Adds sequence deltas; true when this was the first time. */
  boolean addSequence(long[] delta) {
    for (int i = 0; i < SEQ_FIGURES; i++) {
      sequence.addAndGet(i, delta[i]);
    }
    if (sequenced) {
      return false;
    }
    sequenced = true;
    return true;
  }

  void add(long deltaBytes, long deltaPackets) {
    // one writer (the collector): a release store is enough for scrapes to see whole values
    BYTES.setRelease(this, (long) BYTES.get(this) + deltaBytes);
    PACKETS.setRelease(this, (long) PACKETS.get(this) + deltaPackets);
  }

  private static final VarHandle BYTES;
  private static final VarHandle PACKETS;
  private static final VarHandle PAYLOAD;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      BYTES = l.findVarHandle(Series.class, "bytes", long.class);
      PACKETS = l.findVarHandle(Series.class, "packets", long.class);
      PAYLOAD = l.findVarHandle(Series.class, "payloadBytes", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
