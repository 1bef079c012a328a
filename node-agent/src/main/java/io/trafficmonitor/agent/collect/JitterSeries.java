package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.target.Target;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The jitter of every flow of a target in one direction, for a monitor with {@code
 * spec.flows.jitter}: each flow's jitter (the standard deviation of its packets' inter-arrival
 * times since it started) sampled once per status interval into log2 buckets of microseconds. Not
 * only the busiest flows: every flow the monitor counts at a pod's sockets or a node interface.
 * Written by the status thread; read by scrapes.
 */
public final class JitterSeries {
  /** The labels of the series, apart from the monitor. */
  public record Key(Target target, String direction) {}

  /** Buckets: up to 1, 2, 4, ... 2^20 microseconds (about 1 s), and more. */
  public static final int BUCKETS = 22;

  private final Key key;
  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final AtomicLong sumMicros = new AtomicLong();

  public JitterSeries(Key key) {
    this.key = key;
  }

  public Key key() {
    return key;
  }

  /** Samples by bucket: bucket i holds jitters up to 2^i microseconds, the last every larger. */
  public long[] counts() {
    long[] out = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      out[i] = counts.get(i);
    }
    return out;
  }

  public double sumSeconds() {
    return sumMicros.get() / 1e6;
  }

  void sample(double jitterNanos) {
    long micros = Math.round(jitterNanos / 1000.0);
    counts.incrementAndGet(Log2.bucket(micros, BUCKETS));
    sumMicros.addAndGet(micros);
  }
}
