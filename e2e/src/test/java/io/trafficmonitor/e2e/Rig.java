package io.trafficmonitor.e2e;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.testing.Commands;
import io.trafficmonitor.testing.FakeKubelet;
import io.trafficmonitor.testing.KubeBinaries;
import io.trafficmonitor.testing.NodeNetwork;
import io.trafficmonitor.testing.PodProcessRunner;
import io.trafficmonitor.testing.Requirements;
import io.trafficmonitor.testing.TestCluster;
import io.trafficmonitor.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The whole product on the local cluster: the chart's manifests applied with kubectl; the
 * operator's Deployment pod and the agents' DaemonSet pods run as local processes by {@link
 * PodProcessRunner} once the real scheduler binds them; two nodes as network namespaces; workload
 * pods from {@link FakeKubelet}.
 */
final class Rig implements AutoCloseable {
  static final String RELEASE = "tm";
  static final String SYSTEM_NS = "trafficmonitor";

  final TestCluster cluster;
  final NodeNetwork network;
  final FakeKubelet kubelet;
  final PodProcessRunner operator;
  final PodProcessRunner agents;

  private Rig(
      TestCluster cluster,
      NodeNetwork network,
      FakeKubelet kubelet,
      PodProcessRunner operator,
      PodProcessRunner agents) {
    this.cluster = cluster;
    this.network = network;
    this.kubelet = kubelet;
    this.operator = operator;
    this.agents = agents;
  }

  static Path operatorJar() {
    return Tools.repoRoot().resolve("operator/target/quarkus-app/quarkus-run.jar");
  }

  static Path agentJar() {
    return Tools.repoRoot().resolve("node-agent/target/quarkus-app/quarkus-run.jar");
  }

  static Rig start(TestCluster cluster, String... nodes) {
    Requirements.requireRoot();
    for (Path jar : List.of(operatorJar(), agentJar(), Tools.trafficgenJar())) {
      Requirements.require(Files.exists(jar), jar + " is not built (mvn install first)");
    }
    Tools.require(Tools.helm());
    KubernetesClient client = cluster.client();
    for (String n : nodes) {
      cluster.addNode(n, Map.of("trafficmonitor.io/rig", "true"));
    }
    NodeNetwork network = NodeNetwork.create(nodes);
    FakeKubelet kubelet = null;
    PodProcessRunner operator = null;
    try {
      kubelet = new FakeKubelet(client, network);
      client
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(SYSTEM_NS).endMetadata().build())
          .serverSideApply();
      String rendered =
          Commands.run(
                  Duration.ofMinutes(1),
                  List.of(
                      Tools.helm().toString(),
                      "template",
                      RELEASE,
                      Tools.repoRoot().resolve("charts/trafficmonitor").toString(),
                      "--namespace",
                      SYSTEM_NS,
                      "--kube-version",
                      KubeBinaries.KUBERNETES_VERSION,
                      "--include-crds"))
              .orThrow()
              .stdout();
      cluster.kubectlWithInput(rendered, "apply", "--server-side", "-f", "-").orThrow();
      cluster
          .kubectl(
              "wait",
              "--for=condition=Established",
              "--timeout=60s",
              "crd/trafficmonitors.trafficmonitor.io")
          .orThrow();

      String kubeconfig = cluster.kubeconfig().toString();
      String cgroupRoot = kubelet.cgroupRoot().toString();
      operator =
          new PodProcessRunner(
              client,
              network,
              SYSTEM_NS,
              Map.of("app.kubernetes.io/name", "trafficmonitor-operator"),
              List.of("QUARKUS_HTTP_PORT"),
              new PodProcessRunner.Launcher() {
                @Override
                public List<String> command(io.fabric8.kubernetes.api.model.Pod pod) {
                  return List.of(PodProcessRunner.java(), "-jar", operatorJar().toString());
                }

                @Override
                public Map<String, String> extraEnv(io.fabric8.kubernetes.api.model.Pod pod) {
                  return Map.of("KUBECONFIG", kubeconfig);
                }
              });
      PodProcessRunner agents =
          new PodProcessRunner(
              client,
              network,
              null,
              Map.of("app.kubernetes.io/name", "trafficmonitor-agent"),
              List.of("QUARKUS_HTTP_PORT", "TM_METRICS_PORT", "METRICS_PORT"),
              new PodProcessRunner.Launcher() {
                @Override
                public List<String> command(io.fabric8.kubernetes.api.model.Pod pod) {
                  return List.of(PodProcessRunner.java(), "-jar", agentJar().toString());
                }

                @Override
                public Map<String, String> extraEnv(io.fabric8.kubernetes.api.model.Pod pod) {
                  return Map.of(
                      "KUBECONFIG", kubeconfig, "CGROUP_ROOT", cgroupRoot, "STATUS_INTERVAL", "1s");
                }
              });
      return new Rig(cluster, network, kubelet, operator, agents);
    } catch (RuntimeException e) {
      if (operator != null) {
        operator.close();
      }
      if (kubelet != null) {
        kubelet.close();
      }
      network.close();
      throw e;
    }
  }

  /** The chart's alert rules with {@code sets}, as {@link Install#writeAlertRules} writes them. */
  static void writeAlertRules(Path file, String... sets) throws java.io.IOException {
    Install.writeAlertRules(file, sets);
  }

  @Override
  public void close() {
    agents.close();
    operator.close();
    kubelet.close();
    network.close();
  }
}
