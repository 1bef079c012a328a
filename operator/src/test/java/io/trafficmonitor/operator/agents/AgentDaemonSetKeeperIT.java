package io.trafficmonitor.operator.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.operator.AgentSettings;
import io.trafficmonitor.operator.AgentSettingsBuilder;
import io.trafficmonitor.operator.OperatorSettings;
import io.trafficmonitor.testing.TestCluster;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The DaemonSet belongs to the operator's Deployment when the chart names it, so that deleting the
 * Deployment ({@code helm uninstall}) lets the garbage collector take the agents too.
 */
class AgentDaemonSetKeeperIT {
  private static final String NS = "it-owner";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    client = TestCluster.shared().client();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
  }

  private static AgentSettings nowhere() {
    // no node: these agents leave the nodes' port to the harness's
    return AgentSettingsBuilder.defaults().nodeSelector(Map.of("tm-it", "owner")).build();
  }

  private static DaemonSet agents() {
    return client.apps().daemonSets().inNamespace(NS).withName("trafficmonitor-agent").get();
  }

  @Test
  void theOperatorsDeploymentOwnsTheAgentsAndTakesThemAlong() {
    Deployment operator =
        client
            .resource(
                new DeploymentBuilder()
                    .withNewMetadata()
                    .withName("tm-operator")
                    .withNamespace(NS)
                    .endMetadata()
                    .withNewSpec()
                    .withReplicas(0)
                    .withNewSelector()
                    .addToMatchLabels("app", "tm-operator")
                    .endSelector()
                    .withNewTemplate()
                    .withNewMetadata()
                    .addToLabels("app", "tm-operator")
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("operator")
                    .withImage("localhost/trafficmonitor/operator:test")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();

    try (AgentDaemonSetKeeper keeper =
        new AgentDaemonSetKeeper(client, nowhere(), new OperatorSettings(NS, "tm-operator"))) {
      keeper.start();
      await().atMost(WAIT).until(() -> agents() != null);
      assertThat(agents().getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(
              o -> {
                assertThat(o.getKind()).isEqualTo("Deployment");
                assertThat(o.getName()).isEqualTo("tm-operator");
                assertThat(o.getUid()).isEqualTo(operator.getMetadata().getUid());
              });
      assertThat(keeper.applyError()).isNull();
    }

    client.resource(operator).delete();
    await().atMost(Duration.ofSeconds(90)).until(() -> agents() == null);
  }

  @Test
  void aDeploymentNamedButMissingStopsTheStart() {
    try (AgentDaemonSetKeeper keeper =
        new AgentDaemonSetKeeper(client, nowhere(), new OperatorSettings(NS, "missing"))) {
      assertThatThrownBy(keeper::start)
          .hasMessageContaining("the operator's Deployment it-owner/missing")
          .hasMessageContaining("does not exist");
    }
  }
}
