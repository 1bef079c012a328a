package io.trafficmonitor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The same cluster contract on k3s through Testcontainers, for machines with a container engine:
 * {@code mvn verify -Pk3s} runs it (the default build leaves it out, since the project's machines
 * have no engine); {@code TM_CLUSTER=k3s} runs every cluster test on k3s. Without an engine it
 * fails under CI and skips elsewhere, saying why.
 */
class K3sClusterIT {

  @Test
  void k3sServesTheApiAndKubectlWorks() {
    Requirements.require(
        K3sCluster.engineAvailable(), "no container engine answers on this machine (k3s)");
    try (K3sCluster k3s = K3sCluster.start()) {
      assertThat(k3s.client().getKubernetesVersion().getGitVersion()).startsWith("v1.");
      assertThat(k3s.kubectl("get", "nodes").orThrow().stdout()).contains("Ready");
    }
  }
}
