package io.trafficmonitor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The same cluster contract on k3s through Testcontainers. Runs only where a container engine
 * answers (none does on the project's machines, where it is skipped with the reason printed);
 * select k3s for every cluster test with {@code TM_CLUSTER=k3s}.
 */
class K3sClusterIT {

  @Test
  void k3sServesTheApiAndKubectlWorks() {
    boolean engine = K3sCluster.engineAvailable();
    if (!engine) {
      System.err.println("SKIPPED K3sClusterIT: no container engine answers on this machine");
    }
    Assumptions.assumeTrue(engine, "no container engine answers on this machine");
    try (K3sCluster k3s = K3sCluster.start()) {
      assertThat(k3s.client().getKubernetesVersion().getGitVersion()).startsWith("v1.");
      assertThat(k3s.kubectl("get", "nodes").orThrow().stdout()).contains("Ready");
    }
  }
}
