package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.datapath.flow.FlowLayout;
import java.nio.ByteBuffer;

/** The agent's state of one kernel flow, shared by every monitor that counts it. */
final class FlowEntry {
  static final Binding[] UNBOUND = new Binding[0];

  final FlowId id;
  final int kind;
  final long targetId;
  final int direction;
  final int protocol;

  /** An IPv6 flow (else IPv4, its addresses IPv4-mapped). */
  final boolean v6;

  long epoch;

  /** Gone from the collector's table (evicted, forgotten): not to be found by position again. */
  boolean removed;

  /** Kernel counters already attributed. */
  long bytes;

  long packets;

  /** Kernel payload bytes and size-histogram buckets (32-bit, wrapping) already attributed. */
  long payload;

  final int[] sizes = new int[FlowLayout.HIST_BUCKETS];

  /** The kernel's inter-arrival statistics of the current burst, as last read. */
  long intervals;

  long intervalSumNanos;
  long intervalSumSquaresMicros;

  /**
   * The kernel's OR of the TCP flags of the flow's packets already attributed; -1 for a flow taken
   * over from a previous agent's checkpoint, whose flags that agent counted.
   */
  int tcpFlags;

  /** Kernel sequence figures already attributed (null until the flow carried numbers). */
  long[] sequence;

  /** The remote address (as the status spells it) and its hash, set when first attributed. */
  String peer;

  long peerHash;

  /** The hash of the 5-tuple (not where it was seen), for distinct-flow counts. */
  final long tupleHash;

  /** Null until the flow's target is known. */
  Target target;

  /** Traffic into the pod or node (from the pod's or node's point of view). */
  boolean ingress;

  /** The routing the bindings were made under; null: look the target up again. */
  Routing routing;

  /** The monitors counting this flow; empty when none wants it. */
  Binding[] bindings = UNBOUND;

  FlowEntry(FlowId id, ByteBuffer keys, int off) {
    this.id = id;
    this.kind = keys.get(off + FlowLayout.KEY_KIND);
    this.direction = keys.get(off + FlowLayout.KEY_DIRECTION);
    this.protocol = Byte.toUnsignedInt(keys.get(off + FlowLayout.KEY_PROTO));
    this.v6 = keys.get(off + FlowLayout.KEY_FAMILY) == 6;
    this.targetId = keys.getLong(off + FlowLayout.KEY_TARGET);
    this.tupleHash = Collector.tupleHash(keys, off);
  }
}
