package io.trafficmonitor.testing;

import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;

/** The status a kubelet reports for a pod whose one container has started and is ready. */
final class PodStatuses {
  private PodStatuses() {}

  /** Running and Ready; {@code qosClass} may be null (then left unset). */
  static PodStatus running(
      String podIp, String hostIp, String qosClass, String container, String image) {
    String now = Instant.now().toString();
    return new PodStatusBuilder()
        .withPhase("Running")
        .withPodIP(podIp)
        .addNewPodIP(podIp)
        .withHostIP(hostIp)
        .withQosClass(qosClass)
        .withStartTime(now)
        .withConditions(
            new PodConditionBuilder()
                .withType("Ready")
                .withStatus("True")
                .withLastTransitionTime(now)
                .build(),
            new PodConditionBuilder()
                .withType("ContainersReady")
                .withStatus("True")
                .withLastTransitionTime(now)
                .build())
        .addNewContainerStatus()
        .withName(container)
        .withImage(image)
        .withImageID("rig")
        .withReady(true)
        .withStarted(true)
        .withRestartCount(0)
        .withNewState()
        .withNewRunning()
        .withStartedAt(now)
        .endRunning()
        .endState()
        .endContainerStatus()
        .build();
  }
}
