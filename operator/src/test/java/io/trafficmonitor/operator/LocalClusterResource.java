package io.trafficmonitor.operator;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.trafficmonitor.testing.TestCluster;
import java.util.Map;

/**
 * Points the Quarkus application under test at the local control plane: the TrafficMonitor and
 * ClusterTrafficMonitor CRDs installed, one namespace to watch, which is also the application's own
 * (its agent DaemonSet's). Its agents are placed on no node, so they leave the nodes' metrics port
 * to the harness's.
 */
public class LocalClusterResource implements QuarkusTestResourceLifecycleManager {
  static final String NAMESPACE = "it-endpoints";
  static final String AGENT_NODE_SELECTOR = "{\"tm-it\": \"endpoints\"}";

  @Override
  public Map<String, String> start() {
    TestCluster cluster = TestCluster.shared();
    OperatorHarness.installCrds(cluster.client());
    cluster
        .client()
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .serverSideApply();
    return Map.of(
        "trafficmonitor.kubeconfig",
        cluster.kubeconfig().toString(),
        "trafficmonitor.namespaces",
        NAMESPACE,
        OperatorSettings.PREFIX + "namespace",
        NAMESPACE,
        AgentSettings.PREFIX + "node-selector",
        AGENT_NODE_SELECTOR);
  }

  @Override
  public void stop() {
    // The cluster is the JVM's and stops with it.
  }
}
