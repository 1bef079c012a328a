package io.trafficmonitor.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
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
 * Status from simulated agents: entries written with server-side apply under per-node field
 * managers are summed, survive the operator's own status writes, and an agent that falls silent for
 * three status intervals makes the monitor Degraded, naming its node.
 */
class StatusAggregationIT {
  private static final String NS = "it-status";
  private static final String NAME = "shop";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static TestCluster cluster;
  private static KubernetesClient client;
  private static final Set<String> reporting = ConcurrentHashMap.newKeySet();
  private static Agents agents;
  private static final Set<String> failing = ConcurrentHashMap.newKeySet();
  private static final String LOAD_FAILED =
      "load flow programs: bpf_object__load failed (errno 1): Operation not permitted";

  @BeforeAll
  static void start() {
    cluster = OperatorHarness.start();
    client = cluster.client();
    cluster.addNode("status-a", Map.of("tm-it", "status"));
    cluster.addNode("status-b", Map.of("tm-it", "status"));
    agents = Agents.start(client, 1, List.of("status-a", "status-b"), StatusAggregationIT::answer);
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
    String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    String json =
        node.equals("status-a")
            ? "{\"node\": \"status-a\", \"pods\": 2, \"interfaces\": 1, \"rxBytes\": 1000,"
                + " \"txBytes\": 400, \"rxBitsPerSecond\": 1500000, \"txBitsPerSecond\": 250000,"
                + " \"activeFlows\": 5, \"drops\": 1, \"retransmits\": 7,"
                + " \"rxPayloadBytes\": 800, \"uniquePeers\": 3, \"connectionsOpen\": 2,"
                + " \"dropReasons\": [{\"reason\": \"NO_SOCKET\", \"packets\": 1}],"
                + " \"sequence\": {\"received\": 100, \"reverse\": 1, \"smallGaps\": 1,"
                + " \"bigGaps\": 0, \"lost\": 2}, \"lastUpdate\": \""
                + now
                + "\", \"topFlows\": [{\"source\": \"10.0.0.1\", \"destination\": \"10.0.0.9\","
                + " \"sourcePort\": 40000, \"destinationPort\": 80, \"protocol\": \"TCP\","
                + " \"application\": \"HTTP\", \"rttMicros\": 250,"
                + " \"bitsPerSecond\": 1200000}]}"
            : "{\"node\": \"status-b\", \"pods\": 1, \"rxBytes\": 500, \"txBytes\": 100,"
                + " \"rxBitsPerSecond\": 500000, \"txBitsPerSecond\": 250000, \"activeFlows\": 4,"
                + " \"retransmits\": 3, \"uniquePeers\": 2,"
                + " \"sequence\": {\"received\": 50, \"lost\": 3},"
                + " \"errors\": [], \"lastUpdate\": \""
                + now
                + "\"}";
    if (get() == null) {
      return Optional.of(List.of()); // the monitor does not exist yet
    }
    if (failing.contains(node)) {
      json =
          json.replace("\"lastUpdate\"", "\"errors\": [\"" + LOAD_FAILED + "\"], \"lastUpdate\"");
    }
    return Optional.of(List.of(Agents.entry(client, NS, NAME, json)));
  }

  private static TrafficMonitor get() {
    return client.resources(TrafficMonitor.class).inNamespace(NS).withName(NAME).get();
  }

  private static Condition condition(TrafficMonitor tm, String type) {
    if (tm.getStatus() == null || tm.getStatus().getConditions() == null) {
      return null;
    }
    return tm.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElse(null);
  }

  private static boolean conditionIs(String type, String status, String reason) {
    Condition c = condition(get(), type);
    return c != null && status.equals(c.getStatus()) && reason.equals(c.getReason());
  }

  @Test
  void summarisesAgentsDegradesOnSilenceAndWritesOnlyChanges() {
    TrafficMonitor tm =
        Monitors.monitor(
            NS,
            NAME,
            "nodeSelector: {tm-it: status}\n"
                + "interval: 100ms\nstatusInterval: 1s\nflows: {topN: 3}\n");
    tm.getMetadata().setGeneration(null);
    client.resource(tm).create();
    // The one agent DaemonSet runs on every node; the monitor covers the two it selects.
    await()
        .atMost(WAIT)
        .until(
            () ->
                get().getStatus() != null
                    && get().getStatus().getSummary() != null
                    && Integer.valueOf(2).equals(get().getStatus().getSummary().getNodes()));
    await().atMost(WAIT).until(() -> conditionIs("Ready", "False", "AgentsNotReporting"));

    // Both agents report: Ready, with totals over both nodes.
    reporting.add("status-a");
    reporting.add("status-b");
    await().atMost(WAIT).until(() -> conditionIs("Ready", "True", "AgentsReporting"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              var summary = get().getStatus().getSummary();
              assertThat(summary.getNodesReady()).isEqualTo("2/2");
              assertThat(summary.getPods()).isEqualTo(3);
              assertThat(summary.getRxBitsPerSecond()).isEqualTo(2_000_000L);
              assertThat(summary.getRxRate()).isEqualTo("2 Mbit/s");
              assertThat(summary.getTxRate()).isEqualTo("500 kbit/s");
              assertThat(summary.getActiveFlows()).isEqualTo(9L);
              assertThat(summary.getRxBytes()).isEqualTo(1500L);
              assertThat(summary.getRetransmits()).isEqualTo(10L);
              assertThat(summary.getRxPayloadBytes()).isEqualTo(800L);
              assertThat(summary.getUniquePeers()).isEqualTo(5L);
              assertThat(summary.getConnectionsOpen()).isEqualTo(2L);
              assertThat(summary.getDropReasons())
                  .singleElement()
                  .satisfies(r -> assertThat(r.getReason()).isEqualTo("NO_SOCKET"));
              assertThat(summary.getSequence().getReceived()).isEqualTo(150L);
              assertThat(summary.getSequence().getLost()).isEqualTo(5L);
              assertThat(summary.getTopFlows())
                  .singleElement()
                  .satisfies(
                      f -> {
                        assertThat(f.getNode()).isEqualTo("status-a");
                        assertThat(f.getApplication()).isEqualTo("HTTP");
                        assertThat(f.getRttMicros()).isEqualTo(250L);
                      });
            });
    TrafficMonitor current = get();
    assertThat(current.getStatus().getObservedGeneration())
        .isEqualTo(current.getMetadata().getGeneration());
    // The agents write nothing: the operator pulled their entries and wrote the whole status.
    assertThat(current.getStatus().getNodes())
        .extracting(NodeStatus::getNode)
        .containsExactlyInAnyOrder("status-a", "status-b");
    assertThat(current.getMetadata().getManagedFields())
        .extracting(ManagedFieldsEntry::getManager)
        .contains(StatusWriter.FIELD_MANAGER)
        .noneMatch(m -> m.startsWith("trafficmonitor-agent"));
    // One status write per statusInterval (1s), however many agents report.
    long before = StatusWriter.patchesSent(NS, NAME);
    sleep(Duration.ofSeconds(5));
    assertThat(StatusWriter.patchesSent(NS, NAME) - before).isBetween(2L, 7L);

    // A node whose programs cannot load: Degraded names it, and one Warning Event says so.
    failing.add("status-a");
    await().atMost(WAIT).until(() -> conditionIs("Degraded", "True", "AgentErrors"));
    assertThat(condition(get(), "Degraded").getMessage()).isEqualTo("status-a: " + LOAD_FAILED);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        client.v1().events().inNamespace(NS).list().getItems().stream()
                            .filter(e -> NAME.equals(e.getInvolvedObject().getName()))
                            .filter(e -> "AgentErrors".equals(e.getReason())))
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getMessage()).isEqualTo("status-a: " + LOAD_FAILED);
                          assertThat(e.getInvolvedObject().getKind()).isEqualTo("TrafficMonitor");
                        }));
    failing.clear();
    await().atMost(WAIT).until(() -> conditionIs("Degraded", "False", "AgentsHealthy"));

    // kubectl get prints the summary columns.
    ProcessResult get = cluster.kubectl("get", "trafficmonitors", "-n", NS);
    assertThat(get.exitCode()).as(get.stderr()).isZero();
    assertThat(get.stdout().lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "PODS", "NODES", "RX", "TX", "FLOWS", "READY", "AGE");
    assertThat(get.stdout())
        .containsPattern("shop\\s+3\\s+2/2\\s+2 Mbit/s\\s+500 kbit/s\\s+9\\s+True");
    // -o wide adds retransmits and sequence loss.
    ProcessResult wide = cluster.kubectl("get", "trafficmonitors", "-n", NS, "-o", "wide");
    assertThat(wide.exitCode()).as(wide.stderr()).isZero();
    assertThat(wide.stdout().lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly(
            "NAME", "PODS", "NODES", "RX", "TX", "FLOWS", "RETRANSMITS", "LOST", "READY", "AGE");
    assertThat(wide.stdout())
        .containsPattern("shop\\s+3\\s+2/2\\s+2 Mbit/s\\s+500 kbit/s\\s+9\\s+10\\s+5\\s+True");
    ProcessResult shortName = cluster.kubectl("get", "tm", NAME, "-n", NS);
    assertThat(shortName.exitCode()).as(shortName.stderr()).isZero();

    // status-b falls silent: after three intervals (3s) the monitor is Degraded, naming it.
    reporting.remove("status-b");
    await().atMost(WAIT).until(() -> conditionIs("Degraded", "True", "AgentNotReporting"));
    Condition degraded = condition(get(), "Degraded");
    assertThat(degraded.getMessage())
        .startsWith("the agent on node status-b (last at ")
        .endsWith("has not reported for more than 3 status intervals of 1s");
    assertThat(condition(get(), "Ready").getReason()).isEqualTo("AgentsNotReporting");
    assertThat(get().getStatus().getSummary().getNodesReady()).isEqualTo("1/2");

    // While status-a keeps reporting, the conditions hold still: no transition time moves.
    String readySince = condition(get(), "Ready").getLastTransitionTime();
    String degradedSince = degraded.getLastTransitionTime();
    sleep(Duration.ofSeconds(3));
    assertThat(condition(get(), "Ready").getLastTransitionTime()).isEqualTo(readySince);
    assertThat(condition(get(), "Degraded").getLastTransitionTime()).isEqualTo(degradedSince);

    // Once nothing changes any more, reconciles (every 1s) send no status patch at all.
    reporting.clear();
    await()
        .atMost(WAIT)
        .until(
            () ->
                condition(get(), "Degraded")
                    .getMessage()
                    .startsWith("the agents on nodes status-a"));
    sleep(Duration.ofSeconds(1));
    long patches = StatusWriter.patchesSent(NS, NAME);
    String resourceVersion = get().getMetadata().getResourceVersion();
    sleep(Duration.ofSeconds(4));
    assertThat(StatusWriter.patchesSent(NS, NAME)).isEqualTo(patches);
    assertThat(get().getMetadata().getResourceVersion()).isEqualTo(resourceVersion);
  }

  @Test
  void aSpecTheApiServerLetThroughButKubernetesRefusesBecomesACondition() {
    // alerts.for accepts decimal durations; the PrometheusRule CRD's pattern does not.
    OperatorHarness.installCrdResource(
        client, "prometheus-operator/prometheusrules.monitoring.coreos.com.yaml");
    CrdPresentCondition.forget();
    TrafficMonitor tm =
        Monitors.monitor(
            "it-errors", "bad-duration", "alerts: {maxBytesPerSecond: 1000, for: 1.5m}");
    tm.getMetadata().setGeneration(null);
    client.resource(tm).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              TrafficMonitor current =
                  client
                      .resources(TrafficMonitor.class)
                      .inNamespace("it-errors")
                      .withName("bad-duration")
                      .get();
              Condition ready = condition(current, "Ready");
              assertThat(ready).isNotNull();
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("ReconcileFailed");
              assertThat(ready.getMessage()).contains("1.5m", "should match");
            });
    client.resource(tm).delete();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
