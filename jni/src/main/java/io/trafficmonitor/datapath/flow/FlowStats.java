package io.trafficmonitor.datapath.flow;

import java.nio.ByteBuffer;

/**
 * Counters of one flow: L3 bytes and packets (GSO segments counted one by one), L4 payload bytes,
 * first and last time seen ({@code CLOCK_MONOTONIC} nanoseconds, comparable with {@link
 * System#nanoTime()}; tick resolution, up to a few ms behind, unless precise timestamps or jitter
 * were asked for), the OR of TCP flags and of {@code FLOW_F_*} flags, the inter-arrival statistics
 * of the current burst (only while jitter is measured) and the packet-size histogram (buckets are
 * 32-bit counters that wrap: subtract readings modulo 2^32).
 */
public record FlowStats(
    long bytes,
    long packets,
    long payloadBytes,
    long firstSeenNanos,
    long lastSeenNanos,
    int tcpFlags,
    int flags,
    long intervals,
    long intervalSumNanos,
    long intervalSumSquaresMicros,
    SizeHistogram sizes) {

  public static FlowStats decode(ByteBuffer b, int off) {
    long[] hist = new long[FlowLayout.HIST_BUCKETS];
    for (int i = 0; i < hist.length; i++) {
      hist[i] = Integer.toUnsignedLong(b.getInt(off + FlowLayout.STATS_SIZE_HIST + 4 * i));
    }
    return new FlowStats(
        b.getLong(off + FlowLayout.STATS_BYTES),
        b.getLong(off + FlowLayout.STATS_PACKETS),
        b.getLong(off + FlowLayout.STATS_PAYLOAD_BYTES),
        b.getLong(off + FlowLayout.STATS_FIRST_SEEN),
        b.getLong(off + FlowLayout.STATS_LAST_SEEN),
        b.getInt(off + FlowLayout.STATS_TCP_FLAGS),
        b.getInt(off + FlowLayout.STATS_FLAGS),
        b.getLong(off + FlowLayout.STATS_IAT_COUNT),
        b.getLong(off + FlowLayout.STATS_IAT_SUM_NS),
        b.getLong(off + FlowLayout.STATS_IAT_SUM_SQ_US),
        new SizeHistogram(hist));
  }

  public boolean fragmented() {
    return (flags & FlowLayout.FLOW_F_FRAGMENT) != 0;
  }

  /** Mean time between packets in the current burst, ns; 0 without two packets (or jitter off). */
  public double meanInterArrivalNanos() {
    return meanInterArrival(intervals, intervalSumNanos);
  }

  /** Standard deviation of the time between packets in the current burst, ns (us resolution). */
  public double jitterNanos() {
    return jitter(intervals, intervalSumNanos, intervalSumSquaresMicros);
  }

  public static double meanInterArrival(long n, long sumNanos) {
    return n == 0 ? 0 : (double) sumNanos / n;
  }

  public static double jitter(long n, long sumNanos, long sumSquaresMicros) {
    if (n < 2) {
      return 0;
    }
    double meanUs = (double) sumNanos / n / 1000.0;
    double var = (double) sumSquaresMicros / n - meanUs * meanUs;
    return var <= 0 ? 0 : Math.sqrt(var) * 1000.0;
  }
}
