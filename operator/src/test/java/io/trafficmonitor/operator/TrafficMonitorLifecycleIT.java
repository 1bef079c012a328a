package io.trafficmonitor.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.testing.TestCluster;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Apply, update and delete round trips against a real API server and garbage collector. */
class TrafficMonitorLifecycleIT {
  private static final String NS = "it-lifecycle";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static TestCluster cluster;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = OperatorHarness.start();
    client = cluster.client();
    cluster.addNode("lifecycle-edge-1", Map.of("role", "edge"));
  }

  private TrafficMonitor create(String name, String spec) {
    TrafficMonitor tm = Monitors.monitor(NS, name, spec);
    tm.getMetadata().setGeneration(null);
    return client.resource(tm).create();
  }

  private DaemonSet daemonSet(String name) {
    return client
        .apps()
        .daemonSets()
        .inNamespace(NS)
        .withName("trafficmonitor-agent-" + name)
        .get();
  }

  private TrafficMonitor get(String name) {
    return client.resources(TrafficMonitor.class).inNamespace(NS).withName(name).get();
  }

  @Test
  void applyCreatesTheAgentsObjectsOwnedByTheMonitor() {
    TrafficMonitor tm =
        create(
            "web",
            "podSelector: {matchLabels: {app: web}}\n"
                + "nodeSelector: {role: edge}\n"
                + "tolerations: [{key: dedicated, operator: Equal, value: net, effect: NoSchedule}]\n"
                + "ports: ['80', '8000-8100']\n");

    await().atMost(WAIT).until(() -> daemonSet("web") != null);
    DaemonSet ds = daemonSet("web");
    assertThat(OperatorHarness.ownedBy(ds, tm)).isTrue();
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostNetwork()).isTrue();
    assertThat(pod.getNodeSelector()).containsEntry("role", "edge");
    assertThat(pod.getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(pod.getServiceAccountName()).isEqualTo("trafficmonitor-agent-web");
    Container agent = pod.getContainers().get(0);
    assertThat(agent.getSecurityContext().getCapabilities().getAdd())
        .containsExactlyInAnyOrder("BPF", "NET_ADMIN", "PERFMON", "SYS_PTRACE");
    assertThat(agent.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("NODE_NAME");
              assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
            });

    await().atMost(WAIT).until(() -> service("web") != null);
    Service svc = service("web");
    assertThat(OperatorHarness.ownedBy(svc, tm)).isTrue();
    assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(svc.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("metrics");
              assertThat(p.getPort()).isEqualTo(9400);
            });
    assertThat(svc.getSpec().getSelector()).isEqualTo(ds.getSpec().getSelector().getMatchLabels());
    ServiceAccount sa =
        client.serviceAccounts().inNamespace(NS).withName("trafficmonitor-agent-web").get();
    RoleBinding rb =
        client.rbac().roleBindings().inNamespace(NS).withName("trafficmonitor-agent-web").get();
    assertThat(OperatorHarness.ownedBy(sa, tm)).isTrue();
    assertThat(OperatorHarness.ownedBy(rb, tm)).isTrue();

    // The real DaemonSet controller schedules an agent on the one edge node.
    await()
        .atMost(WAIT)
        .until(
            () -> {
              DaemonSet d = daemonSet("web");
              return d.getStatus() != null
                  && Integer.valueOf(1).equals(d.getStatus().getDesiredNumberScheduled());
            });
  }

  private Service service(String name) {
    return client.services().inNamespace(NS).withName("trafficmonitor-agent-" + name).get();
  }

  @Test
  void filtersPortsAndIntervalsDoNotRollTheAgentsButPlacementDoes() {
    create("rolling", "ports: ['80']\ninterval: 1s\nnodeSelector: {role: edge}");
    await().atMost(WAIT).until(() -> daemonSet("rolling") != null);
    await().atMost(WAIT).until(() -> observed("rolling", 1L));
    long dsGeneration = daemonSet("rolling").getMetadata().getGeneration();

    OperatorHarness.mergePatch(
        client,
        NS,
        "rolling",
        "{\"spec\": {\"ports\": [\"443\", \"8000-8100\"], \"interval\": \"100ms\","
            + " \"interfaces\": [\"eth0\"], \"filters\": [{\"source\": \"10.0.0.0/8\"}]}}");
    await().atMost(WAIT).until(() -> observed("rolling", 2L));
    assertThat(daemonSet("rolling").getMetadata().getGeneration()).isEqualTo(dsGeneration);

    OperatorHarness.mergePatch(
        client, NS, "rolling", "{\"spec\": {\"nodeSelector\": {\"role\": \"core\"}}}");
    await()
        .atMost(WAIT)
        .until(
            () ->
                "core"
                    .equals(
                        daemonSet("rolling")
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getNodeSelector()
                            .get("role")));
    assertThat(daemonSet("rolling").getMetadata().getGeneration()).isGreaterThan(dsGeneration);
  }

  private boolean observed(String name, long generation) {
    TrafficMonitor tm = get(name);
    return tm.getStatus() != null
        && tm.getStatus().getObservedGeneration() != null
        && tm.getStatus().getObservedGeneration() >= generation;
  }

  @Test
  void deleteRemovesEverythingThroughTheGarbageCollector() {
    create("doomed", "nodeSelector: {role: edge}");
    await().atMost(WAIT).until(() -> daemonSet("doomed") != null && service("doomed") != null);

    client.resources(TrafficMonitor.class).inNamespace(NS).withName("doomed").delete();

    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () -> {
              assertThat(get("doomed")).isNull();
              assertThat(daemonSet("doomed")).isNull();
              assertThat(service("doomed")).isNull();
              assertThat(
                      client
                          .serviceAccounts()
                          .inNamespace(NS)
                          .withName("trafficmonitor-agent-doomed")
                          .get())
                  .isNull();
              assertThat(
                      client
                          .rbac()
                          .roleBindings()
                          .inNamespace(NS)
                          .withName("trafficmonitor-agent-doomed")
                          .get())
                  .isNull();
            });
  }
}
