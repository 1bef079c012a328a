package io.trafficmonitor.operator.live;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a replica holds for its live streams, bounded, so that watchers it cannot serve as fast as
 * the agents send end their streams instead of filling its heap (docs/benchmarks/live-api.md: 100
 * watchers at 10 ms took an unbounded operator down, the leader with it). Two limits: the bytes of
 * events read from the agents and not yet written to their responses, for every stream of the
 * replica ({@link #take}); and how long one response may stay unwritable (its watcher, or the API
 * server between, not reading) while events keep coming ({@link #stalledTooLong}). A stream ended
 * so loses nothing: its watcher opens it again from its cursor, as after the routine end at {@link
 * io.trafficmonitor.api.live.LiveApi#STREAM_SECONDS}.
 */
final class StreamBudget {
  /** Bytes of events in flight to the responses, per replica (the chart's heap is 128 MiB). */
  static final long MAX_BYTES = 16L << 20;

  /** How long a response may stay unwritable while events keep coming. */
  static final long STALL_NANOS = 2_000_000_000L;

  private final AtomicLong held = new AtomicLong();
  private final long maxBytes;

  StreamBudget(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Takes {@code bytes} for an event on its way; false (nothing taken) when over the budget. */
  boolean take(long bytes) {
    if (held.addAndGet(bytes) > maxBytes) {
      held.addAndGet(-bytes);
      return false;
    }
    return true;
  }

  /** Gives back what {@link #take} took, once the event is written or dropped. */
  void release(long bytes) {
    held.addAndGet(-bytes);
  }

  long held() {
    return held.get();
  }

  /**
   * Whether a response unwritable since {@code stalledSince} (0: writable) has been so for longer
   * than {@link #STALL_NANOS} at {@code now}.
   */
  static boolean stalledTooLong(long stalledSince, long now) {
    return stalledSince != 0 && now - stalledSince > STALL_NANOS;
  }
}
