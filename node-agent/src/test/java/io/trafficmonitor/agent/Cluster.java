package io.trafficmonitor.agent;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.api.v1alpha1.Selector;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.testing.CrdInstaller;
import io.trafficmonitor.testing.Requirements;
import io.trafficmonitor.testing.TestCluster;
import io.trafficmonitor.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Preconditions and set-up shared by the integration tests. */
final class Cluster {
  private Cluster() {}

  static void requireKernelAndCluster() {
    Requirements.requireRoot();
    for (String tool : new String[] {"ip", "nsenter", "bpftool", "sysctl"}) {
      Requirements.require(onPath(tool), "missing binary " + tool);
    }
    Requirements.require(
        Files.isDirectory(TestNode.CGROUP_ROOT.resolve(""))
            && Files.exists(TestNode.CGROUP_ROOT.resolve("cgroup.procs")),
        "no cgroup v2 hierarchy at " + TestNode.CGROUP_ROOT);
  }

  /** Installs the TrafficMonitor and ClusterTrafficMonitor CRDs and waits until they are served. */
  static void installCrd(TestCluster cluster) {
    for (String name :
        new String[] {
          "trafficmonitors.trafficmonitor.io", "clustertrafficmonitors.trafficmonitor.io"
        }) {
      CrdInstaller.install(cluster.client(), Tools.repoRoot().resolve("crds/" + name + "-v1.yml"));
    }
  }

  /** Creates namespace {@code name}. */
  static void createNamespace(KubernetesClient client, String name) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  /** A TrafficMonitor {@code namespace/name} of the pods labelled app={@code app}. */
  static TrafficMonitor monitor(String namespace, String name, String app, String interval) {
    TrafficMonitor tm = new TrafficMonitor();
    tm.getMetadata().setName(name);
    tm.getMetadata().setNamespace(namespace);
    TrafficMonitorSpec spec = new TrafficMonitorSpec();
    Selector sel = new Selector();
    sel.setMatchLabels(Map.of("app", app));
    spec.setPodSelector(sel);
    spec.setInterval(interval);
    tm.setSpec(spec);
    return tm;
  }

  /**
   * The end of a test class with one agent on one test node: the agent stops, the node's
   * namespaces, veths and cgroups go, then the bindings of its {@link OperatorTokens}, its
   * namespace and Node object.
   */
  static void tearDown(
      AutoCloseable agent,
      TestNode node,
      KubernetesClient client,
      String namespace,
      String nodeName)
      throws Exception {
    try {
      if (agent != null) {
        agent.close();
      }
    } finally {
      if (node != null) {
        node.close();
      }
      if (client != null && namespace != null) {
        OperatorTokens.remove(client, namespace);
        client.namespaces().withName(namespace).delete();
        client.nodes().withName(nodeName).delete();
      }
    }
  }

  private static boolean onPath(String tool) {
    for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
