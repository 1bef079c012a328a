package io.trafficmonitor.plugin.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.agent.IntervalReport.Interval;
import io.trafficmonitor.api.live.IntervalCursor;
import io.trafficmonitor.plugin.live.RecordTracker.Seen;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RecordTrackerTest {
  final List<String> warnings = new ArrayList<>();

  static IntervalReport report(String node, boolean missed, long... seqs) {
    List<Interval> records =
        LongStream.of(seqs)
            .mapToObj(
                s -> new Interval(s, "2026-11-30T12:00:00Z", 1, 1, 1, 1, 1, List.of(), List.of()))
            .toList();
    long last = seqs.length == 0 ? 0 : LongStream.of(seqs).max().getAsLong();
    return new IntervalReport(node, "demo", "web", 1, 1, last, missed, records);
  }

  @Test
  void eachRecordComesOutOnceWithTheCursorAfterIt() {
    RecordTracker t = new RecordTracker(IntervalCursor.empty());
    List<Seen> a = t.accept(report("b", false, 1, 2), warnings::add);
    List<Seen> b = t.accept(report("a", false, 5), warnings::add);
    List<Seen> again = t.accept(report("b", false, 2, 3), warnings::add);

    assertThat(a).extracting(Seen::cursor).containsExactly("b:1", "b:2");
    assertThat(b).extracting(Seen::cursor).containsExactly("a:5,b:2");
    assertThat(again).extracting(s -> s.record().seq()).containsExactly(3L);
    assertThat(t.cursor()).isEqualTo("a:5,b:3");
    assertThat(warnings).isEmpty();
  }

  @Test
  void recordsOutOfOrderAreSortedAndThoseAtOrBelowTheCursorDropped() {
    RecordTracker t = new RecordTracker(IntervalCursor.parse("n:3"));
    assertThat(t.accept(report("n", false, 5, 2, 4, 3), warnings::add))
        .extracting(s -> s.record().seq())
        .containsExactly(4L, 5L);
  }

  @Test
  void missedRecordsAreToldWithTheirNumbers() {
    RecordTracker t = new RecordTracker(IntervalCursor.parse("n:3"));
    t.accept(report("n", true, 10, 11), warnings::add);
    t.accept(report("n", true, 13), warnings::add);
    t.accept(report("m", true, 7), warnings::add);

    assertThat(warnings)
        .containsExactly(
            "node n: records 4 to 9 were lost: the agent no longer keeps them (it keeps the last 1,024; read more often)",
            "node n: record 12 was lost: the agent no longer keeps them (it keeps the last 1,024; read more often)",
            "node m: records were lost: the agent no longer keeps them (it keeps the last 1,024; read more often)");
  }

  @Test
  void anAgentThatStartedAgainIsReadFromItsOldestRecord() {
    RecordTracker t = new RecordTracker(IntervalCursor.parse("a:5000,b:7"));
    IntervalReport same = new IntervalReport("a", "demo", "web", 1, 3977, 5000, false, List.of());
    assertThat(t.accept(same, warnings::add)).isEmpty(); // no record after 5000 yet
    assertThat(t.cursor()).isEqualTo("a:5000,b:7");

    IntervalReport restarted = new IntervalReport("a", "demo", "web", 1, 1, 30, false, List.of());
    assertThat(t.accept(restarted, warnings::add)).isEmpty();
    assertThat(t.cursor()).isEqualTo("b:7");
    assertThat(warnings)
        .containsExactly(
            "node a: its agent started again (records numbered from 1 anew, the newest 30); going on"
                + " from its oldest record");
    assertThat(t.accept(report("a", false, 1, 2), warnings::add)).hasSize(2);
  }
}
