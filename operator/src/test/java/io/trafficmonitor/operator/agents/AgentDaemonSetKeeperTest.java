package io.trafficmonitor.operator.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.trafficmonitor.operator.AgentSettings;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentDaemonSetKeeperTest {
  private final DaemonSet desired =
      AgentDaemonSet.desired(AgentSettings.defaults(), "trafficmonitor-system", List.of());

  /** {@code desired} as the API server stores it: defaults and others' fields added. */
  private DaemonSetBuilder stored() {
    return new DaemonSetBuilder(desired)
        .editMetadata()
        .withUid("0123")
        .withGeneration(3L)
        .addToAnnotations("deprecated.daemonset.template.generation", "3")
        .addToLabels("team", "platform")
        .endMetadata()
        .editSpec()
        .withRevisionHistoryLimit(10)
        .editUpdateStrategy()
        .editRollingUpdate()
        .withMaxSurge(new IntOrString(0))
        .endRollingUpdate()
        .endUpdateStrategy()
        .editTemplate()
        .editSpec()
        .withSchedulerName("default-scheduler")
        .withRestartPolicy("Always")
        .editFirstContainer()
        .withTerminationMessagePath("/dev/termination-log")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .withNewStatus()
        .withDesiredNumberScheduled(2)
        .endStatus();
  }

  @Test
  void whatTheServerAddsIsNoDifference() {
    assertThat(AgentDaemonSetKeeper.matches(desired, stored().build())).isTrue();
  }

  @Test
  void anEditOfWhatTheOperatorSetsIsOne() {
    DaemonSet edited =
        stored()
            .editSpec()
            .editTemplate()
            .editSpec()
            .withHostPID(false)
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    assertThat(AgentDaemonSetKeeper.matches(desired, edited)).isFalse();

    DaemonSet moreCapabilities =
        stored()
            .editSpec()
            .editTemplate()
            .editSpec()
            .editFirstContainer()
            .editSecurityContext()
            .editCapabilities()
            .addToAdd("SYS_ADMIN")
            .endCapabilities()
            .endSecurityContext()
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    assertThat(AgentDaemonSetKeeper.matches(desired, moreCapabilities)).isFalse();

    DaemonSet relabelled =
        stored().editMetadata().addToLabels("app.kubernetes.io/part-of", "x").endMetadata().build();
    assertThat(AgentDaemonSetKeeper.matches(desired, relabelled)).isFalse();
  }

  @Test
  void quantitiesCompareByAmount() {
    // The default cpu limit is 500m; a server may hold the same amount as 0.5.
    DaemonSet canonical =
        stored()
            .editSpec()
            .editTemplate()
            .editSpec()
            .editFirstContainer()
            .editResources()
            .addToLimits("cpu", new Quantity("0.5"))
            .endResources()
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    assertThat(AgentDaemonSetKeeper.matches(desired, canonical)).isTrue();

    DaemonSet more =
        stored()
            .editSpec()
            .editTemplate()
            .editSpec()
            .editFirstContainer()
            .editResources()
            .addToLimits("cpu", new Quantity("600m"))
            .endResources()
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    assertThat(AgentDaemonSetKeeper.matches(desired, more)).isFalse();
  }
}
