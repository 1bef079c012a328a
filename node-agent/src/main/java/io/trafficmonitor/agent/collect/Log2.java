package io.trafficmonitor.agent.collect;

/** Log2 histogram buckets as the agent's sampled histograms (cwnd, flow jitter) fill them. */
final class Log2 {
  private Log2() {}

  /** The bucket of {@code v}: bucket i holds values up to 2^i, the last one every larger too. */
  static int bucket(long v, int buckets) {
    int b = v <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(v - 1);
    return Math.min(b, buckets - 1);
  }
}
