package io.trafficmonitor.plugin.live;

import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.agent.IntervalReport.Interval;
import io.trafficmonitor.api.live.IntervalCursor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a reader has seen: an {@link IntervalCursor} moved record by record, so that every record
 * comes out once, in order per node, across polls and reconnected streams. A record at or below the
 * cursor (a server that sends one twice) is dropped; a report that says {@code missed} is told to
 * the reader with the numbers that are lost.
 *
 * <p>The cursor moves with each record handed out, not to the report's {@code last}: the two are
 * the same for a report that carries every record after the cursor, as the live API's do, and a
 * report that carries fewer loses nothing.
 *
 * <p>An agent numbers its records from 1 each time it starts: a report whose {@code last} is below
 * the cursor's number for its node comes from an agent that started again, and the cursor forgets
 * that node, so that the next read starts from its oldest record instead of waiting for the old
 * number to come round.
 */
public final class RecordTracker {
  /** A record handed out, with its report (node, monitor, interval) and the cursor after it. */
  public record Seen(IntervalReport report, Interval record, String cursor) {}

  private IntervalCursor cursor;

  public RecordTracker(IntervalCursor start) {
    this.cursor = start;
  }

  /** The cursor: where a poll or a stream goes on from; {@code ""} when nothing is seen yet. */
  public String cursor() {
    return cursor.toString();
  }

  /**
   * The records of {@code report} not seen yet, oldest first; {@code warn} hears of records lost.
   */
  public List<Seen> accept(IntervalReport report, Consumer<String> warn) {
    String node = report.node();
    if (report.last() < cursor.after(node)) {
      warn.accept(
          "node "
              + node
              + ": its agent started again (records numbered from 1 anew, the newest "
              + report.last()
              + "); going on from its oldest record");
      forget(node);
    }
    long after = cursor.after(node);
    List<Interval> records =
        new ArrayList<>(report.records() == null ? List.of() : report.records());
    records.sort(Comparator.comparingLong(Interval::seq));
    if (report.missed()) {
      warn.accept(missed(report, after, records));
    }
    List<Seen> seen = new ArrayList<>();
    for (Interval r : records) {
      if (r.seq() <= cursor.after(node)) {
        continue;
      }
      cursor.advance(node, r.seq());
      seen.add(new Seen(report, r, cursor.toString()));
    }
    return seen;
  }

  private void forget(String node) {
    IntervalCursor rest = IntervalCursor.empty();
    cursor
        .nodes()
        .forEach(
            (n, seq) -> {
              if (!n.equals(node)) {
                rest.advance(n, seq);
              }
            });
    cursor = rest;
  }

  private static String missed(IntervalReport report, long after, List<Interval> records) {
    long next = records.isEmpty() ? report.first() : records.get(0).seq();
    String which;
    if (after <= 0 || next <= after + 1) {
      which = "records were lost";
    } else if (next - after - 1 == 1) {
      which = "record " + (after + 1) + " was lost";
    } else {
      which = "records " + (after + 1) + " to " + (next - 1) + " were lost";
    }
    return "node "
        + report.node()
        + ": "
        + which
        + ": the agent no longer keeps them (it keeps the last 1,024; read more often)";
  }
}
