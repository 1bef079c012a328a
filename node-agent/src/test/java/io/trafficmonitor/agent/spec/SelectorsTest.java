package io.trafficmonitor.agent.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.v1alpha1.Selector;
import io.trafficmonitor.api.v1alpha1.SelectorOperator;
import io.trafficmonitor.api.v1alpha1.SelectorRequirement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectorsTest {
  private static SelectorRequirement req(String key, SelectorOperator op, String... values) {
    SelectorRequirement r = new SelectorRequirement();
    r.setKey(key);
    r.setOperator(op);
    r.setValues(values.length == 0 ? null : List.of(values));
    return r;
  }

  @Test
  void matchLabelsAndExpressionsAreAnded() {
    Selector s = new Selector();
    s.setMatchLabels(Map.of("app", "web"));
    s.setMatchExpressions(
        List.of(
            req("tier", SelectorOperator.In, "front", "edge"),
            req("canary", SelectorOperator.DoesNotExist)));
    assertThat(Selectors.matches(s, Map.of("app", "web", "tier", "front"))).isTrue();
    assertThat(Selectors.matches(s, Map.of("app", "web", "tier", "back"))).isFalse();
    assertThat(Selectors.matches(s, Map.of("app", "web", "tier", "edge", "canary", "1"))).isFalse();
    assertThat(Selectors.matches(s, Map.of("tier", "front"))).isFalse();
  }

  @Test
  void notInAndExists() {
    Selector s = new Selector();
    s.setMatchExpressions(
        List.of(req("env", SelectorOperator.NotIn, "prod"), req("app", SelectorOperator.Exists)));
    assertThat(Selectors.matches(s, Map.of("app", "x"))).isTrue();
    assertThat(Selectors.matches(s, Map.of("app", "x", "env", "prod"))).isFalse();
    assertThat(Selectors.matches(s, Map.of("env", "dev"))).isFalse();
    assertThat(Selectors.matches(new Selector(), null)).isTrue();
  }
}
