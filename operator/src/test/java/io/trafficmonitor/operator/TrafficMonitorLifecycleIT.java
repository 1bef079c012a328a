package io.trafficmonitor.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.dependent.CrdPresentCondition;
import io.trafficmonitor.testing.TestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Monitors come and go against a real API server, DaemonSet controller and garbage collector; the
 * one agent DaemonSet in the operator's namespace stays as built through all of it.
 */
class TrafficMonitorLifecycleIT {
  private static final String NS = "it-lifecycle";
  private static final String OTHER_NS = "it-lifecycle-b";
  private static final String AGENTS_NS = OperatorHarness.AGENT_NAMESPACE;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static TestCluster cluster;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = OperatorHarness.start();
    client = cluster.client();
    cluster.addNode("lifecycle-edge-1", Map.of("role", "edge"));
  }

  private TrafficMonitor create(String ns, String name, String spec) {
    TrafficMonitor tm = Monitors.monitor(ns, name, spec);
    tm.getMetadata().setGeneration(null);
    return client.resource(tm).create();
  }

  private static DaemonSet agents() {
    return client.apps().daemonSets().inNamespace(AGENTS_NS).withName("trafficmonitor-agent").get();
  }

  private TrafficMonitor get(String ns, String name) {
    return client.resources(TrafficMonitor.class).inNamespace(ns).withName(name).get();
  }

  private boolean observed(String ns, String name, long generation) {
    TrafficMonitor tm = get(ns, name);
    return tm != null
        && tm.getStatus() != null
        && tm.getStatus().getObservedGeneration() != null
        && tm.getStatus().getObservedGeneration() >= generation;
  }

  private static GenericKubernetesResource prometheus(String kind, String ns, String name) {
    return client
        .genericKubernetesResources("monitoring.coreos.com/v1", kind)
        .inNamespace(ns)
        .withName(name)
        .get();
  }

  /** Every object of the kinds the first edition made per monitor, and of the Prometheus ones. */
  private static List<String> objectsIn(String ns) {
    List<HasMetadata> found = new ArrayList<>();
    found.addAll(client.apps().daemonSets().inNamespace(ns).list().getItems());
    found.addAll(client.pods().inNamespace(ns).list().getItems());
    found.addAll(client.services().inNamespace(ns).list().getItems());
    found.addAll(client.rbac().roleBindings().inNamespace(ns).list().getItems());
    found.addAll(client.rbac().roles().inNamespace(ns).list().getItems());
    // "default" is the ServiceAccount controller's.
    client.serviceAccounts().inNamespace(ns).list().getItems().stream()
        .filter(sa -> !sa.getMetadata().getName().equals("default"))
        .forEach(found::add);
    for (String kind : List.of("ServiceMonitor", "PrometheusRule")) {
      found.addAll(
          client
              .genericKubernetesResources("monitoring.coreos.com/v1", kind)
              .inNamespace(ns)
              .list()
              .getItems());
    }
    return found.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
  }

  @Test
  void oneAgentDaemonSetInTheOperatorsNamespaceServesMonitorsOfEveryNamespace() {
    OperatorHarness.installCrdResource(
        client, "prometheus-operator/prometheusrules.monitoring.coreos.com.yaml");
    OperatorHarness.installCrdResource(
        client, "prometheus-operator/servicemonitors.monitoring.coreos.com.yaml");
    CrdPresentCondition.forget();

    create(NS, "web", "podSelector: {matchLabels: {app: web}}\nalerts: {maxBytesPerSecond: 1.0e6}");
    create(OTHER_NS, "api", "podSelector: {matchLabels: {app: api}}\nnodeSelector: {role: edge}");
    await().atMost(WAIT).until(() -> observed(NS, "web", 1) && observed(OTHER_NS, "api", 1));
    await()
        .atMost(WAIT)
        .until(() -> prometheus("PrometheusRule", NS, "trafficmonitor-web") != null);

    // Exactly one DaemonSet, in the operator's namespace, owned by no monitor, naming none.
    assertThat(client.apps().daemonSets().inNamespace(AGENTS_NS).list().getItems())
        .extracting(d -> d.getMetadata().getName())
        .containsExactly("trafficmonitor-agent");
    DaemonSet ds = agents();
    assertThat(ds.getMetadata().getOwnerReferences()).isEmpty();
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("trafficmonitor-agent");
    assertThat(pod.getNodeSelector()).isEqualTo(Map.of("kubernetes.io/os", "linux"));
    assertThat(pod.getContainers().get(0).getEnv())
        .extracting(EnvVar::getName)
        .contains("NODE_NAME")
        .noneMatch(e -> e.startsWith("TM_MONITOR"));
    // The real DaemonSet controller schedules agents, the edge node's among them.
    await()
        .atMost(WAIT)
        .until(
            () ->
                agents().getStatus() != null
                    && agents().getStatus().getDesiredNumberScheduled() != null
                    && agents().getStatus().getDesiredNumberScheduled() >= 1);

    // Nothing in the monitors' namespaces but the PrometheusRule that spec.alerts asks for.
    assertThat(objectsIn(NS)).containsExactly("PrometheusRule/trafficmonitor-web");
    assertThat(objectsIn(OTHER_NS)).isEmpty();

    // Deleting every monitor here leaves the agents running.
    String uid = ds.getMetadata().getUid();
    client.resources(TrafficMonitor.class).inNamespace(NS).withName("web").delete();
    client.resources(TrafficMonitor.class).inNamespace(OTHER_NS).withName("api").delete();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                get(NS, "web") == null
                    && get(OTHER_NS, "api") == null
                    && prometheus("PrometheusRule", NS, "trafficmonitor-web") == null);
    assertThat(agents()).isNotNull();
    assertThat(agents().getMetadata().getUid()).isEqualTo(uid);
    assertThat(agents().getMetadata().getDeletionTimestamp()).isNull();

    // Deleted by hand, it comes back.
    client.apps().daemonSets().inNamespace(AGENTS_NS).withName("trafficmonitor-agent").delete();
    await()
        .atMost(WAIT)
        .until(
            () -> {
              DaemonSet back = agents();
              return back != null && !back.getMetadata().getUid().equals(uid);
            });
  }

  @Test
  void monitorsRollNothingAndEditsOfTheDaemonSetAreReverted() {
    await().atMost(WAIT).until(() -> agents() != null);
    create(NS, "rolling", "ports: ['80']\ninterval: 1s\nnodeSelector: {role: edge}");
    await().atMost(WAIT).until(() -> observed(NS, "rolling", 1L));
    long generation = agents().getMetadata().getGeneration();
    var keeper = OperatorHarness.operator().keeper();
    long applies = keeper.appliesSent();

    // Filters, ports, intervals and placement of a monitor reach the agents through their watch.
    OperatorHarness.mergePatch(
        client,
        NS,
        "rolling",
        "{\"spec\": {\"ports\": [\"443\", \"8000-8100\"], \"interval\": \"100ms\","
            + " \"filters\": [{\"source\": \"10.0.0.0/8\"}],"
            + " \"nodeSelector\": {\"role\": \"core\"},"
            + " \"tolerations\": [{\"operator\": \"Exists\"}]}}");
    await().atMost(WAIT).until(() -> observed(NS, "rolling", 2L));

    // A new node changes the DaemonSet's status only: nothing to apply.
    cluster.addNode("lifecycle-edge-2", Map.of("role", "edge"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                client.pods().inNamespace(AGENTS_NS).list().getItems().stream()
                    .anyMatch(p -> "lifecycle-edge-2".equals(p.getSpec().getNodeName())));
    assertThat(agents().getMetadata().getGeneration()).isEqualTo(generation);
    assertThat(keeper.appliesSent()).isEqualTo(applies);

    // Someone edits what the operator sets: it is set back.
    client
        .apps()
        .daemonSets()
        .inNamespace(AGENTS_NS)
        .withName("trafficmonitor-agent")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\": {\"updateStrategy\": {\"rollingUpdate\": {\"maxUnavailable\": 3}}}}");
    await()
        .atMost(WAIT)
        .until(
            () ->
                agents().getMetadata().getGeneration() > generation + 1
                    && agents()
                            .getSpec()
                            .getUpdateStrategy()
                            .getRollingUpdate()
                            .getMaxUnavailable()
                            .getIntVal()
                        == 1);
    assertThat(keeper.appliesSent()).isGreaterThan(applies);
    client.resources(TrafficMonitor.class).inNamespace(NS).withName("rolling").delete();
  }
}
