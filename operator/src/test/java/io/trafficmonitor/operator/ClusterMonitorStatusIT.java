package io.trafficmonitor.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.operator.dependent.CrdPresentCondition;
import io.trafficmonitor.operator.status.StatusWriter;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A ClusterTrafficMonitor is reconciled as a TrafficMonitor is (StatusAggregationIT): the entries
 * of its simulated agents are summed into a Ready summary, next to the entries, whatever namespaces
 * the operator watches; its PrometheusRule lives in the operator's namespace, owned by it.
 */
class ClusterMonitorStatusIT {
  private static final String NAME = "edge";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static TestCluster cluster;
  private static KubernetesClient client;
  private static final Set<String> reporting = ConcurrentHashMap.newKeySet();
  private static Agents agents;

  @BeforeAll
  static void start() {
    cluster = OperatorHarness.start();
    client = cluster.client();
    cluster.addNode("cluster-a", Map.of("tm-it", "cluster"));
    cluster.addNode("cluster-b", Map.of("tm-it", "cluster"));
    agents =
        Agents.start(client, 2, List.of("cluster-a", "cluster-b"), ClusterMonitorStatusIT::answer);
  }

  @AfterAll
  static void stop() {
    agents.close();
  }

  /** What the agent of {@code node} answers: its entry while reporting, nothing when down. */
  private static Optional<List<AgentReport.Entry>> answer(String node) {
    if (!reporting.contains(node)) {
      return Optional.empty();
    }
    if (get() == null) {
      return Optional.of(List.of()); // the monitor does not exist yet
    }
    boolean a = node.equals("cluster-a");
    String json =
        "{\"node\": \""
            + node
            + "\", \"pods\": "
            + (a ? 4 : 1)
            + ", \"interfaces\": 1, \"rxBytes\": "
            + (a ? 3000 : 1000)
            + ", \"txBytes\": 200, \"rxBitsPerSecond\": "
            + (a ? 3_000_000 : 1_000_000)
            + ", \"txBitsPerSecond\": 100000, \"activeFlows\": 2, \"lastUpdate\": \""
            + Instant.now().truncatedTo(ChronoUnit.MILLIS)
            + "\"}";
    return Optional.of(List.of(Agents.entry(client, null, NAME, json)));
  }

  private static ClusterTrafficMonitor get() {
    return client.resources(ClusterTrafficMonitor.class).withName(NAME).get();
  }

  private static boolean readyIs(String status, String reason) {
    ClusterTrafficMonitor m = get();
    if (m == null || m.getStatus() == null || m.getStatus().getConditions() == null) {
      return false;
    }
    return m.getStatus().getConditions().stream()
        .anyMatch(
            c ->
                "Ready".equals(c.getType())
                    && status.equals(c.getStatus())
                    && reason.equals(c.getReason()));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aClusterMonitorIsSummarisedFromItsAgentsAndAlertsFromTheOperatorsNamespace() {
    ClusterTrafficMonitor ctm = new ClusterTrafficMonitor();
    ctm.setMetadata(new ObjectMetaBuilder().withName(NAME).build());
    ctm.setSpec(
        Serialization.unmarshal(
            "nodeSelector: {tm-it: cluster}\ninterfaces: [eth0]\nstatusInterval: 1s\n",
            TrafficMonitorSpec.class));
    client.resource(ctm).create();

    // The agents of the two nodes it selects have not reported yet.
    await().atMost(WAIT).until(() -> readyIs("False", "AgentsNotReporting"));
    assertThat(get().getStatus().getSummary().getNodesReady()).isEqualTo("0/2");

    // An entry an agent of an older release wrote under its own field manager, for a node
    // since deleted: the operator's writes remove it.
    client
        .resources(ClusterTrafficMonitor.class)
        .withName(NAME)
        .subresource("status")
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager("trafficmonitor-agent-retired")
                .withForce(true)
                .build(),
            "{\"apiVersion\": \""
                + TrafficMonitor.API_VERSION
                + "\", \"kind\": \"ClusterTrafficMonitor\", \"metadata\": {\"name\": \""
                + NAME
                + "\"}, \"status\": {\"nodes\": [{\"node\": \"retired\", \"rxBytes\": 7}]}}");

    reporting.add("cluster-a");
    reporting.add("cluster-b");
    await().atMost(WAIT).until(() -> readyIs("True", "AgentsReporting"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              var summary = get().getStatus().getSummary();
              assertThat(summary.getNodesReady()).isEqualTo("2/2");
              assertThat(summary.getPods()).isEqualTo(5);
              assertThat(summary.getRxBytes()).isEqualTo(4000L);
              assertThat(summary.getRxRate()).isEqualTo("4 Mbit/s");
              assertThat(summary.getActiveFlows()).isEqualTo(4L);
            });
    ClusterTrafficMonitor current = get();
    assertThat(current.getStatus().getObservedGeneration())
        .isEqualTo(current.getMetadata().getGeneration());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(get().getStatus().getNodes())
                    .extracting(NodeStatus::getNode)
                    .containsExactlyInAnyOrder("cluster-a", "cluster-b"));
    current = get();
    assertThat(current.getMetadata().getManagedFields())
        .extracting(ManagedFieldsEntry::getManager)
        .contains(StatusWriter.FIELD_MANAGER)
        .noneMatch(m -> m.startsWith("trafficmonitor-agent"));
    assertThat(StatusWriter.patchesSent(null, NAME)).isPositive();
    ProcessResult ctmGet = cluster.kubectl("get", "ctm", NAME);
    assertThat(ctmGet.exitCode()).as(ctmGet.stderr()).isZero();
    assertThat(ctmGet.stdout()).containsPattern("edge\\s+5\\s+2/2\\s+4 Mbit/s\\s+.*True");

    // A spec change is observed.
    patch("{\"spec\": {\"statusInterval\": \"2s\"}}");
    await()
        .atMost(WAIT)
        .until(
            () ->
                get()
                        .getStatus()
                        .getObservedGeneration()
                        .equals(get().getMetadata().getGeneration())
                    && get().getMetadata().getGeneration() == 2L);

    // Alerts: the PrometheusRule goes into the operator's namespace, owned by the monitor.
    OperatorHarness.installCrdResource(
        client, "prometheus-operator/prometheusrules.monitoring.coreos.com.yaml");
    CrdPresentCondition.forget();
    patch("{\"spec\": {\"alerts\": {\"maxBytesPerSecond\": 1000000}}}");
    await().atMost(WAIT).until(() -> rule() != null);
    GenericKubernetesResource rule = rule();
    assertThat(OperatorHarness.ownedBy(rule, current)).isTrue();
    assertThat(rule.getMetadata().getLabels())
        .containsEntry("trafficmonitor.io/cluster-monitor", NAME);
    Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
    Map<String, Object> group = ((List<Map<String, Object>>) spec.get("groups")).get(0);
    assertThat(group.get("name")).isEqualTo("clustertrafficmonitor." + NAME);
    Map<String, Object> alert = ((List<Map<String, Object>>) group.get("rules")).get(0);
    assertThat((Map<String, Object>) alert.get("labels"))
        .containsEntry("monitor", NAME)
        .containsEntry("monitor_kind", "ClusterTrafficMonitor")
        .doesNotContainKey("monitor_namespace");
    assertThat(readyIs("True", "AgentsReporting")).isTrue();

    // Deleting the monitor lets the garbage collector take its rule.
    client.resource(current).delete();
    await().atMost(Duration.ofSeconds(90)).until(() -> rule() == null);
    reporting.clear();
  }

  private static GenericKubernetesResource rule() {
    return client
        .genericKubernetesResources("monitoring.coreos.com/v1", "PrometheusRule")
        .inNamespace(OperatorHarness.AGENT_NAMESPACE)
        .withName("clustertrafficmonitor-" + NAME)
        .get();
  }

  private static void patch(String json) {
    client
        .resources(ClusterTrafficMonitor.class)
        .withName(NAME)
        .patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }
}
