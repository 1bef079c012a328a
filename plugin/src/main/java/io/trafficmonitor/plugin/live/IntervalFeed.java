package io.trafficmonitor.plugin.live;

import io.trafficmonitor.api.live.IntervalReportList;
import io.trafficmonitor.plugin.PluginException;
import io.trafficmonitor.plugin.live.RecordTracker.Seen;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A monitor's records without loss or repeat, by poll or by stream: the stream is opened again from
 * the cursor at once each time the server ends it (every {@code LiveApi.STREAM_SECONDS}), and, once
 * it has worked, after failures that may pass (the operator restarting: 503, a broken connection),
 * waiting a little longer each time up to {@link #MAX_WAIT_MILLIS}. Refusals (401, 403, 404) end
 * it: they do not pass by waiting.
 */
public final class IntervalFeed {
  static final long MAX_WAIT_MILLIS = 5_000;

  private final LiveClient live;
  private final RecordTracker tracker;
  private final Consumer<String> warn;
  private long firstWaitMillis = 250;

  public IntervalFeed(LiveClient live, RecordTracker tracker, Consumer<String> warn) {
    this.live = live;
    this.tracker = tracker;
    this.warn = warn;
  }

  /** For tests: how long the first wait after a failure is. */
  void firstWaitMillis(long millis) {
    this.firstWaitMillis = millis;
  }

  public RecordTracker tracker() {
    return tracker;
  }

  /** One poll: the records after the cursor; nodes that did not answer are told to {@code warn}. */
  public List<Seen> poll() {
    IntervalReportList list = live.poll(tracker.cursor());
    if (list.unreachable() != null) {
      list.unreachable().forEach(u -> warn.accept("not in this answer: " + u));
    }
    List<Seen> seen = new ArrayList<>();
    if (list.items() != null) {
      list.items().forEach(r -> seen.addAll(tracker.accept(r, warn)));
    }
    return seen;
  }

  /**
   * Follows the stream, handing every new record to {@code sink}, until {@code stop} says so.
   *
   * @throws PluginException when the first connection fails, or a refusal comes
   */
  public void follow(Consumer<Seen> sink, BooleanSupplier stop) {
    boolean worked = false;
    long wait = 0;
    while (!stop.getAsBoolean()) {
      try {
        live.stream(tracker.cursor(), r -> tracker.accept(r, warn).forEach(sink), stop);
        worked = true;
        wait = 0;
      } catch (PluginException e) {
        if (!worked || !e.mayPass()) {
          throw e;
        }
        wait = wait == 0 ? firstWaitMillis : Math.min(MAX_WAIT_MILLIS, wait * 2);
        warn.accept(e.getMessage() + "; trying again in " + wait + " ms");
        sleep(wait);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PluginException.failed("interrupted");
    }
  }
}
