package io.trafficmonitor.datapath.flow;

import java.nio.ByteBuffer;

/**
 * Sequence-number statistics of one flow (see {@link SequenceConfig}): packets that carried a
 * number; reverse ones (below the expected number: late or duplicate); gaps of at most the
 * threshold (small) and above it (big); numbers skipped by gaps; jumps so far that the sender must
 * have restarted (resyncs, counted nowhere else).
 */
public record SequenceStats(
    long received, long reverse, long smallGaps, long bigGaps, long missing, long resyncs) {

  public static final SequenceStats ZERO = new SequenceStats(0, 0, 0, 0, 0, 0);

  public static SequenceStats decode(ByteBuffer b, int off) {
    return new SequenceStats(
        b.getLong(off + FlowLayout.SEQ_RECEIVED),
        b.getLong(off + FlowLayout.SEQ_REVERSE),
        b.getLong(off + FlowLayout.SEQ_SMALL_GAPS),
        b.getLong(off + FlowLayout.SEQ_BIG_GAPS),
        b.getLong(off + FlowLayout.SEQ_MISSING),
        b.getLong(off + FlowLayout.SEQ_RESYNCS));
  }

  /**
   * Estimated lost packets: numbers skipped by gaps minus the reverse packets that later filled
   * them (a duplicate is mistaken for a late packet, so duplicates lower the estimate).
   */
  public long lost() {
    return Math.max(0, missing - reverse);
  }

  public SequenceStats plus(SequenceStats o) {
    return new SequenceStats(
        received + o.received,
        reverse + o.reverse,
        smallGaps + o.smallGaps,
        bigGaps + o.bigGaps,
        missing + o.missing,
        resyncs + o.resyncs);
  }
}
