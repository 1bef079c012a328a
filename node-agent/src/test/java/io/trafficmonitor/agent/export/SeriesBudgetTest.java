package io.trafficmonitor.agent.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.agent.Scrape;
import io.trafficmonitor.agent.export.SeriesBudget.Kind;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeriesBudgetTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final SeriesBudget budget = new SeriesBudget(registry, 100);

  @Test
  void takesWhatFitsRefusesTheRestAndCountsEachRefusalByKind() {
    assertThat(budget.take(Kind.POD, 60)).isTrue();
    assertThat(budget.take(Kind.TCP, 41)).as("61 + 41 > 100").isFalse();
    assertThat(budget.take(Kind.POD, 40)).as("exactly the limit").isTrue();
    assertThat(budget.take(Kind.DROPS, 1)).isFalse();
    assertThat(budget.used()).isEqualTo(100);
    budget.give(40);
    assertThat(budget.used()).isEqualTo(60);
    assertThat(budget.take(Kind.DROPS, 1)).as("what is given back serves again").isTrue();

    String m = registry.scrape();
    assertThat(Scrape.sum(m, "trafficmonitor_series", Map.of())).isEqualTo(61);
    assertThat(Scrape.sum(m, "trafficmonitor_series_limit", Map.of())).isEqualTo(100);
    assertThat(Scrape.sum(m, "trafficmonitor_series_refused_total", Map.of("kind", "tcp")))
        .isEqualTo(1);
    assertThat(Scrape.sum(m, "trafficmonitor_series_refused_total", Map.of("kind", "drops")))
        .isEqualTo(1);
    assertThat(Scrape.sum(m, "trafficmonitor_series_refused_total", Map.of())).isEqualTo(2);
    assertThat(m.lines().filter(l -> l.startsWith("trafficmonitor_series_refused_total{")))
        .as("every kind exported from the start, bounded")
        .hasSize(Kind.values().length);
  }

  @Test
  void thePerHookViewIsAdmittedOnlyBelowEightyPercent() {
    assertThat(budget.take(Kind.POD, 70)).isTrue();
    assertThat(budget.take(Kind.POD_LINK, 11)).as("70 + 11 > 80").isFalse();
    assertThat(budget.take(Kind.POD_LINK, 10)).as("up to 80").isTrue();
    assertThat(budget.take(Kind.POD_LINK, 1)).isFalse();
    assertThat(budget.take(Kind.INTERFACE, 10)).as("the rest is the others'").isTrue();
    assertThat(budget.take(Kind.TCP, 10)).isTrue();
    assertThat(budget.used()).isEqualTo(100);
    assertThat(budget.refused(Kind.POD_LINK)).isEqualTo(2);
    assertThat(budget.refused(Kind.POD)).isZero();
  }

  @Test
  void aMonitorsOwnGaugesAreChargedWhateverTheBudget() {
    assertThat(budget.take(Kind.POD, 100)).isTrue();
    budget.charge(2);
    assertThat(budget.used()).isEqualTo(102);
    budget.give(2);
    assertThat(budget.used()).isEqualTo(100);
  }

  @Test
  void anAccountGivesEverythingBackWhenItClosesOnceAndAdmitsNothingAfter() {
    SeriesBudget.Account a = budget.open(2);
    assertThat(a.admit("x", Kind.POD, 50)).isTrue();
    assertThat(a.admit("x", Kind.POD, 50)).as("admitted already: nothing more taken").isTrue();
    assertThat(a.admit("y", Kind.POD, 50)).isFalse();
    assertThat(a.refused("y")).isTrue();
    assertThat(budget.used()).isEqualTo(52);
    a.release("y");
    assertThat(a.refused("y")).isFalse();
    assertThat(a.error()).isNull();
    a.close();
    a.close();
    assertThat(budget.used()).isZero();
    assertThat(a.admit("z", Kind.POD, 1)).isFalse();
    assertThat(budget.used()).isZero();
  }

  @Test
  void theLimitIsPositive() {
    assertThatThrownBy(() -> new SeriesBudget(registry, 0)).hasMessageContaining("positive");
  }
}
