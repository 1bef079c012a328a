package io.trafficmonitor.trafficgen;

import java.util.concurrent.locks.LockSupport;

/** Holds a sender to a target rate: before each send it waits until the budget allows it. */
final class Pacer {
  private final long bitsPerSecond;
  private final long start = System.nanoTime();
  private long sentBits;

  Pacer(long bitsPerSecond) {
    this.bitsPerSecond = bitsPerSecond;
  }

  /** Waits until {@code bytes} more may be sent. A rate of 0 means as fast as possible. */
  void await(long bytes) {
    if (bitsPerSecond <= 0) {
      return;
    }
    long due = start + (long) (sentBits * 1e9 / bitsPerSecond);
    long wait = due - System.nanoTime();
    if (wait > 0) {
      LockSupport.parkNanos(wait);
    }
    sentBits += bytes * 8;
  }
}
