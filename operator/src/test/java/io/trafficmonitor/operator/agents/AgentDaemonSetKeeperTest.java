package io.trafficmonitor.operator.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.trafficmonitor.operator.AgentSettings;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import java.util.List;
import java.util.function.UnaryOperator;
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

  /** {@link #stored} with its pod spec changed by {@code change}. */
  private DaemonSet storedWith(UnaryOperator<PodSpecBuilder> change) {
    DaemonSet stored = stored().build();
    PodTemplateSpec template = stored.getSpec().getTemplate();
    template.setSpec(change.apply(new PodSpecBuilder(template.getSpec())).build());
    return stored;
  }

  /** {@link #stored} with the agent's cpu limit {@code amount}. */
  private DaemonSet storedWithCpuLimit(String amount) {
    return storedWith(
        pod ->
            pod.editFirstContainer()
                .editResources()
                .addToLimits("cpu", new Quantity(amount))
                .endResources()
                .endContainer());
  }

  @Test
  void whatTheServerAddsIsNoDifference() {
    assertThat(AgentDaemonSetKeeper.matches(desired, stored().build())).isTrue();
  }

  @Test
  void anEditOfWhatTheOperatorSetsIsOne() {
    DaemonSet edited = storedWith(pod -> pod.withHostPID(false));
    assertThat(AgentDaemonSetKeeper.matches(desired, edited)).isFalse();

    DaemonSet moreCapabilities =
        storedWith(
            pod ->
                pod.editFirstContainer()
                    .editSecurityContext()
                    .editCapabilities()
                    .addToAdd("SYS_ADMIN")
                    .endCapabilities()
                    .endSecurityContext()
                    .endContainer());
    assertThat(AgentDaemonSetKeeper.matches(desired, moreCapabilities)).isFalse();

    DaemonSet relabelled =
        stored().editMetadata().addToLabels("app.kubernetes.io/part-of", "x").endMetadata().build();
    assertThat(AgentDaemonSetKeeper.matches(desired, relabelled)).isFalse();
  }

  @Test
  void quantitiesCompareByAmount() {
    // The default cpu limit is 500m; a server may hold the same amount as 0.5.
    assertThat(AgentDaemonSetKeeper.matches(desired, storedWithCpuLimit("0.5"))).isTrue();
    assertThat(AgentDaemonSetKeeper.matches(desired, storedWithCpuLimit("600m"))).isFalse();
  }
}
