package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.target.Target;
import java.util.ArrayList;
import java.util.List;

/**
 * The last {@link #CAPACITY} per-interval records of one monitor on this node: what crossed its
 * pods' sockets and its node interfaces during each of its intervals (spec.interval), numbered
 * without a gap from 1 since the agent started, so that a reader who asks for the records after the
 * last it saw gets every one it missed, or learns that the oldest it needs is gone. Written by the
 * collection thread, read by API requests.
 */
public final class IntervalRecords {
  /** Records kept: 10 s at the shortest interval, 10 ms. */
  public static final int CAPACITY = 1024;

  /** Traffic of one target during one interval; nothing is listed for a target without any. */
  public record TargetCounts(
      Target target, long rxBytes, long txBytes, long rxPackets, long txPackets) {}

  /**
   * One interval: its number, when it ended (epoch nanoseconds, from the collection that closed it)
   * and how long it was, the monitor's totals in it (each pod's packet once: at its sockets), and
   * per target.
   */
  public record Record(
      long seq,
      long endEpochNanos,
      long durationNanos,
      long rxBytes,
      long txBytes,
      long rxPackets,
      long txPackets,
      List<TargetCounts> targets) {}

  /** Records after {@code after} ({@code missed}: some of them are no longer kept). */
  public record Since(long first, long last, boolean missed, List<Record> records) {}

  private final Record[] ring = new Record[CAPACITY];
  private long last; // the number of the newest record, 0 before the first

  synchronized void add(Record r) {
    ring[(int) (r.seq() % CAPACITY)] = r;
    last = r.seq();
  }

  /** The number the next record gets. */
  synchronized long next() {
    return last + 1;
  }

  /**
   * The newest records that together last at least {@code windowNanos} (at least the newest one;
   * fewer when not that many are kept), oldest first; empty before the first.
   */
  public synchronized List<Record> latest(long windowNanos) {
    List<Record> out = new ArrayList<>();
    long first = Math.max(1, last - CAPACITY + 1);
    long lasting = 0;
    for (long s = last; s >= first && (out.isEmpty() || lasting < windowNanos); s--) {
      Record r = ring[(int) (s % CAPACITY)];
      out.add(0, r);
      lasting += r.durationNanos();
    }
    return out;
  }

  /** The records numbered after {@code after}, oldest first. */
  public synchronized Since since(long after) {
    long first = Math.max(1, last - CAPACITY + 1);
    long from = Math.max(after + 1, first);
    List<Record> out = new ArrayList<>();
    for (long s = from; s <= last; s++) {
      out.add(ring[(int) (s % CAPACITY)]);
    }
    return new Since(last == 0 ? 0 : first, last, after + 1 < first, out);
  }
}
