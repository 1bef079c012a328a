package io.trafficmonitor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** How e2e tests get kubelet nodes: injected, shared; a DaemonSet runs a pod on each. */
@ExtendWith(KubeletNodesExtension.class)
class KubeletNodesExtensionIT {

  @Test
  void aDaemonSetRunsOnEveryNode(KubeletNodes nodes) {
    assertThat(nodes.nodes()).hasSize(KubeletNodesExtension.NODES);
    KubernetesClient client = nodes.cluster().client();
    Map<String, String> labels = Map.of("app", "every-node");
    DaemonSet ds =
        new DaemonSetBuilder()
            .withNewMetadata()
            .withName("every-node")
            .withNamespace("default")
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .withMatchLabels(labels)
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withHostNetwork(true)
            .withTerminationGracePeriodSeconds(1L)
            .addNewContainer()
            .withName("pause")
            .withImage(nodes.pauseImage())
            .withImagePullPolicy("Never")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    client.apps().daemonSets().resource(ds).create();
    Await.until(
        "the DaemonSet's pods are Ready on both nodes",
        Duration.ofSeconds(60),
        () -> {
          DaemonSet d =
              client.apps().daemonSets().inNamespace("default").withName("every-node").get();
          return d.getStatus() != null
              && d.getStatus().getNumberReady() != null
              && d.getStatus().getNumberReady() == KubeletNodesExtension.NODES;
        });
    for (Pod p : client.pods().inNamespace("default").withLabels(labels).list().getItems()) {
      // host network: the pod's address is its node's
      assertThat(p.getStatus().getPodIP()).isEqualTo(nodes.nodeOf(p).address());
    }
    client.apps().daemonSets().resource(ds).delete();
  }
}
