package io.trafficmonitor.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class IntervalRecordsTest {

  private static IntervalRecords.Record record(long seq) {
    return new IntervalRecords.Record(seq, 0, 10_000_000L, seq, 0, 1, 0, List.of());
  }

  @Test
  void aReaderGetsEveryRecordAfterTheLastItSawOnce() {
    IntervalRecords r = new IntervalRecords();
    assertThat(r.since(0)).isEqualTo(new IntervalRecords.Since(0, 0, false, List.of()));
    for (int i = 0; i < 5; i++) {
      r.add(record(r.next()));
    }
    IntervalRecords.Since s = r.since(2);
    assertThat(s.records()).extracting(IntervalRecords.Record::seq).containsExactly(3L, 4L, 5L);
    assertThat(s.missed()).isFalse();
    assertThat(r.since(5).records()).isEmpty();
  }

  @Test
  void aReaderTooFarBehindLearnsWhatItMissed() {
    IntervalRecords r = new IntervalRecords();
    int total = IntervalRecords.CAPACITY + 10;
    for (int i = 0; i < total; i++) {
      r.add(record(r.next()));
    }
    IntervalRecords.Since s = r.since(3);
    assertThat(s.missed()).isTrue();
    assertThat(s.first()).isEqualTo(11);
    assertThat(s.records()).hasSize(IntervalRecords.CAPACITY);
    assertThat(s.records().get(0).seq()).isEqualTo(11);
    assertThat(r.since(10).missed()).as("10 was the last seen: 11 on are all kept").isFalse();
  }

  @Test
  void theLatestRecordsLastAtLeastTheWindowAndAtLeastOne() {
    IntervalRecords r = new IntervalRecords();
    assertThat(r.latest(1_000_000_000L)).isEmpty();
    for (int i = 0; i < 250; i++) {
      r.add(record(r.next())); // 10 ms each
    }
    assertThat(r.latest(1_000_000_000L))
        .as("100 records of 10 ms: the last second")
        .extracting(IntervalRecords.Record::seq)
        .startsWith(151L)
        .endsWith(250L)
        .hasSize(100);
    assertThat(r.latest(15_000_000L))
        .extracting(IntervalRecords.Record::seq)
        .containsExactly(249L, 250L);
    assertThat(r.latest(0))
        .as("the last record alone")
        .extracting(IntervalRecords.Record::seq)
        .containsExactly(250L);
    IntervalRecords few = new IntervalRecords();
    few.add(record(few.next()));
    few.add(record(few.next()));
    assertThat(few.latest(1_000_000_000L)).as("those kept").hasSize(2);
  }
}
