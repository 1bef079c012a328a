package io.trafficmonitor.agent;

import io.trafficmonitor.datapath.flow.FlowLayout;
import java.nio.ByteBuffer;

/** The agent's state of one kernel flow. */
final class FlowEntry {
  final FlowId id;
  final int kind;
  final long targetId;
  final int direction;
  final int protocol;
  long epoch;

  /** Gone from the collector's table (evicted, forgotten): not to be found by position again. */
  boolean removed;

  /** Kernel counters already attributed. */
  long bytes;

  long packets;

  /** Attributed since the agent first saw the flow, and at the last status. */
  long totalBytes;

  long totalPackets;
  long markBytes;
  long markPackets;

  /** Kernel payload bytes and size-histogram buckets (32-bit, wrapping) already attributed. */
  long payload;

  long totalPayload;
  final int[] sizes = new int[FlowLayout.HIST_BUCKETS];

  /** The kernel's inter-arrival statistics of the current burst, as last read. */
  long intervals;

  long intervalSumNanos;
  long intervalSumSquaresMicros;

  /** Kernel sequence figures already attributed (null until the flow carried numbers). */
  long[] sequence;

  /** The remote address (as the status spells it) and its hash, set when first attributed. */
  String peer;

  long peerHash;

  /** The application name (spec.applications or a well-known port), resolved once. */
  String application;

  /** Null until the flow's target is known. */
  Target target;

  /** The index the target was looked up in, and the series and rate it feeds (a cache). */
  TargetIndex index;

  Series series;
  RateWindow rate;
  boolean ingress;

  FlowEntry(FlowId id, ByteBuffer keys, int off) {
    this.id = id;
    this.kind = keys.get(off + FlowLayout.KEY_KIND);
    this.direction = keys.get(off + FlowLayout.KEY_DIRECTION);
    this.protocol = Byte.toUnsignedInt(keys.get(off + FlowLayout.KEY_PROTO));
    this.targetId = keys.getLong(off + FlowLayout.KEY_TARGET);
  }
}
