package io.trafficmonitor.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class MonitorEventsTest {
  private static List<Condition> degraded(String status, String reason, String message) {
    return List.of(
        new ConditionBuilder()
            .withType("Degraded")
            .withStatus(status)
            .withReason(reason)
            .withMessage(message)
            .build());
  }

  @Test
  void aWarningWhenDegradedStartsOrItsReasonOrMessageChangesNotAtEveryWrite() {
    var healthy = degraded("False", "AgentsHealthy", "no agent is late or reports an error");
    var failing = degraded("True", "AgentErrors", "node-a: kernel feature missing: BTF");
    assertThat(MonitorEvents.degraded(healthy, failing))
        .contains(new MonitorEvents.Warning("AgentErrors", "node-a: kernel feature missing: BTF"));
    assertThat(MonitorEvents.degraded(null, failing)).isPresent();
    assertThat(MonitorEvents.degraded(failing, failing)).as("the same failure again").isEmpty();
    assertThat(
            MonitorEvents.degraded(
                failing, degraded("True", "AgentErrors", "node-b: flow map full: 3 packets")))
        .isPresent();
    assertThat(MonitorEvents.degraded(failing, healthy)).as("recovered: no warning").isEmpty();
  }
}
