package io.trafficmonitor.testing;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Kubernetes cluster that tests run against: the {@link LocalCluster} built here, k3s through
 * Testcontainers, or an existing cluster from {@code KUBECONFIG}. {@link #shared()} picks one by
 * {@code TM_CLUSTER} ({@code local}, the default; {@code k3s}; {@code existing}).
 */
public interface TestCluster extends AutoCloseable {

  /** An admin client. Do not close it; the cluster does. */
  KubernetesClient client();

  /** The client configuration, for starting a controller in-process against this cluster. */
  Config config();

  /** A kubeconfig file with admin rights. */
  Path kubeconfig();

  /** Runs the built kubectl against this cluster. */
  default ProcessResult kubectl(String... args) {
    return kubectlWithInput(null, args);
  }

  /** Runs the built kubectl with {@code stdin} as its input (for {@code apply -f -}). */
  default ProcessResult kubectlWithInput(String stdin, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(KubeBinaries.locate().kubectl().toString());
    cmd.add("--kubeconfig=" + kubeconfig());
    cmd.addAll(List.of(args));
    return Commands.run(Duration.ofMinutes(2), cmd, stdin);
  }

  /**
   * Registers a Node object that looks like a Ready node with room for pods, so that the DaemonSet
   * controller and the scheduler place pods on it. No kubelet backs it.
   */
  default void addNode(String name, Map<String, String> labels) {
    client()
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .addToLabels("kubernetes.io/hostname", name)
                .addToLabels("kubernetes.io/os", "linux")
                .addToLabels("kubernetes.io/arch", "amd64")
                .endMetadata()
                .build())
        .serverSideApply();
    Map<String, Quantity> capacity =
        Map.of(
            "cpu", new Quantity("8"), "memory", new Quantity("32Gi"), "pods", new Quantity("110"));
    client()
        .nodes()
        .withName(name)
        .editStatus(
            n ->
                new NodeBuilder(n)
                    .editOrNewStatus()
                    .withCapacity(capacity)
                    .withAllocatable(capacity)
                    .withConditions(
                        List.of(
                            new NodeConditionBuilder()
                                .withType("Ready")
                                .withStatus("True")
                                .withReason("KubeletReady")
                                .withMessage("stood in for by the test rig")
                                .build()))
                    .endStatus()
                    .build());
    client()
        .nodes()
        .withName(name)
        .edit(n -> new NodeBuilder(n).editSpec().withTaints(List.of()).endSpec().build());
  }

  @Override
  void close();

  /** The cluster of this JVM, started on first use and stopped when the JVM exits. */
  static TestCluster shared() {
    return SharedCluster.get();
  }
}
