package io.trafficmonitor.operator.live;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StreamBudgetTest {
  @Test
  void eventsInFlightStayWithinTheReplicasBudget() {
    StreamBudget budget = new StreamBudget(1000);
    assertThat(budget.take(600)).isTrue();
    assertThat(budget.take(500)).as("over the budget: that stream ends").isFalse();
    assertThat(budget.held()).isEqualTo(600);
    assertThat(budget.take(400)).isTrue();
    budget.release(600);
    budget.release(400);
    assertThat(budget.held()).isZero();
    assertThat(budget.take(1000)).isTrue();
  }

  @Test
  void aResponseUnwritableForTooLongEnds() {
    long t = 5_000_000_000L;
    assertThat(StreamBudget.stalledTooLong(0, t)).as("writable").isFalse();
    assertThat(StreamBudget.stalledTooLong(t, t + StreamBudget.STALL_NANOS)).isFalse();
    assertThat(StreamBudget.stalledTooLong(t, t + StreamBudget.STALL_NANOS + 1)).isTrue();
  }
}
