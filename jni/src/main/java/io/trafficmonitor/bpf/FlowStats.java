package io.trafficmonitor.bpf;

import java.nio.ByteBuffer;

/**
 * Counters of one flow: L3 bytes and packets (GSO segments counted one by one), L4 payload bytes,
 * first and last time seen ({@code CLOCK_MONOTONIC} nanoseconds, comparable with {@link
 * System#nanoTime()}; tick resolution, up to a few ms behind, unless precise timestamps were asked
 * for), the OR of TCP flags and of {@code FLOW_F_*} flags.
 */
public record FlowStats(
    long bytes,
    long packets,
    long payloadBytes,
    long firstSeenNanos,
    long lastSeenNanos,
    int tcpFlags,
    int flags) {

  public static FlowStats decode(ByteBuffer b, int off) {
    return new FlowStats(
        b.getLong(off + FlowLayout.STATS_BYTES),
        b.getLong(off + FlowLayout.STATS_PACKETS),
        b.getLong(off + FlowLayout.STATS_PAYLOAD_BYTES),
        b.getLong(off + FlowLayout.STATS_FIRST_SEEN),
        b.getLong(off + FlowLayout.STATS_LAST_SEEN),
        b.getInt(off + FlowLayout.STATS_TCP_FLAGS),
        b.getInt(off + FlowLayout.STATS_FLAGS));
  }

  public boolean fragmented() {
    return (flags & FlowLayout.FLOW_F_FRAGMENT) != 0;
  }
}
