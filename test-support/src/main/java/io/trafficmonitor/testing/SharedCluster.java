package io.trafficmonitor.testing;

import java.nio.file.Path;
import java.nio.file.Paths;

/** Holds the one cluster of this JVM and stops it at exit, whatever the tests did. */
final class SharedCluster {
  private static TestCluster cluster;

  private SharedCluster() {}

  static synchronized TestCluster get() {
    if (cluster == null) {
      cluster = start();
      TestCluster c = cluster;
      Runtime.getRuntime().addShutdownHook(new Thread(c::close, "stop-test-cluster"));
    }
    return cluster;
  }

  private static TestCluster start() {
    String kind = System.getenv().getOrDefault("TM_CLUSTER", "local");
    return switch (kind) {
      case "local" -> LocalCluster.start();
      case "k3s" -> K3sCluster.start();
      case "existing" -> {
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig == null || kubeconfig.isBlank()) {
          throw new IllegalStateException("TM_CLUSTER=existing needs KUBECONFIG");
        }
        Path path = Paths.get(kubeconfig.split(":")[0]);
        yield ExistingCluster.from(path);
      }
      default ->
          throw new IllegalStateException(
              "TM_CLUSTER=" + kind + " is not one of local, k3s, existing");
    };
  }
}
