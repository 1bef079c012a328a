package io.trafficmonitor.agent.collect;

/**
 * Bits and packets per second over windows of at least {@code window} nanoseconds: deltas added at
 * every collection are summed until the window is full, then the rate is published and the sums
 * start again. With a 10 ms collection interval the published rate still covers a whole second, so
 * a scrape sees a steady value rather than the noise of one 10 ms slice.
 */
public final class RateWindow {
  private final long windowNanos;
  private long start = Long.MIN_VALUE;
  private long bytes;
  private long packets;
  private volatile double bitsPerSecond;
  private volatile double packetsPerSecond;

  public RateWindow(long windowNanos) {
    this.windowNanos = windowNanos;
  }

  /** Starts the first window at {@code now} (the time of the counters the deltas start from). */
  public void start(long now) {
    start = now;
  }

  /** Adds deltas seen in the current collection. */
  public void add(long deltaBytes, long deltaPackets) {
    bytes += deltaBytes;
    packets += deltaPackets;
  }

  /** Ends a collection made at {@code now}: publishes the rate when the window is full. */
  public void tick(long now) {
    if (start == Long.MIN_VALUE) {
      start = now;
      return;
    }
    long elapsed = now - start;
    if (elapsed >= windowNanos && elapsed > 0) {
      bitsPerSecond = bytes * 8e9 / elapsed;
      packetsPerSecond = packets * 1e9 / elapsed;
      bytes = 0;
      packets = 0;
      start = now;
    }
  }

  /** Adds the deltas of one collection made at {@code now} and ends it. */
  public void add(long now, long deltaBytes, long deltaPackets) {
    add(deltaBytes, deltaPackets);
    tick(now);
  }

  public double bitsPerSecond() {
    return bitsPerSecond;
  }

  public double packetsPerSecond() {
    return packetsPerSecond;
  }

  /** A rate in units per second from a delta over {@code nanos}; 0 for an empty interval. */
  public static double perSecond(long delta, long nanos) {
    return nanos <= 0 ? 0 : delta * 1e9 / nanos;
  }
}
