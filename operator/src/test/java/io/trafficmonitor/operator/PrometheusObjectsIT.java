package io.trafficmonitor.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.dependent.CrdPresentCondition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A monitor's PrometheusRule exists only once the Prometheus Operator's CRDs do (hand-written test
 * copies, see src/test/resources/prometheus-operator), and follows spec.alerts. No monitor gets a
 * ServiceMonitor: the chart's one scrapes every agent.
 */
class PrometheusObjectsIT {
  private static final String NS = "it-prometheus";
  private static final String NAME = "alerting";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    client = OperatorHarness.start().client();
  }

  private static GenericKubernetesResource get(String kind, String name) {
    return client
        .genericKubernetesResources("monitoring.coreos.com/v1", kind)
        .inNamespace(NS)
        .withName(name)
        .get();
  }

  private static boolean crdPresent(String name) {
    return client.apiextensions().v1().customResourceDefinitions().withName(name).get() != null;
  }

  @Test
  @SuppressWarnings("unchecked")
  void followAlertsOnceThePrometheusOperatorIsInstalled() {
    boolean installedBefore = crdPresent("prometheusrules.monitoring.coreos.com");
    TrafficMonitor tm =
        Monitors.monitor(
            NS,
            NAME,
            "sequence: {protocol: UDP, offset: 0}\n"
                + "alerts: {maxBytesPerSecond: 1.0e9, maxPacketLossRatio: 0.01, for: 2m,"
                + " severity: critical}");
    tm.getMetadata().setGeneration(null);
    TrafficMonitor created = client.resource(tm).create();

    // Without the CRDs the monitor is reconciled, and no error is reported.
    await().atMost(WAIT).until(() -> current().getStatus() != null);
    if (!installedBefore) {
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                var status = current().getStatus();
                assertThat(status).isNotNull();
                assertThat(status.getConditions())
                    .noneMatch(c -> "ReconcileFailed".equals(c.getReason()));
              });
    }

    OperatorHarness.installCrdResource(
        client, "prometheus-operator/prometheusrules.monitoring.coreos.com.yaml");
    OperatorHarness.installCrdResource(
        client, "prometheus-operator/servicemonitors.monitoring.coreos.com.yaml");
    CrdPresentCondition.forget();
    poke();

    await().atMost(WAIT).until(() -> get("PrometheusRule", "trafficmonitor-" + NAME) != null);
    GenericKubernetesResource rule = get("PrometheusRule", "trafficmonitor-" + NAME);
    assertThat(OperatorHarness.ownedBy(rule, created)).isTrue();
    List<Map<String, Object>> rules = rules(rule);
    assertThat(rules)
        .extracting(r -> r.get("alert"))
        .containsExactly("TrafficMonitorBandwidthHigh", "TrafficMonitorPacketLossHigh");
    assertThat(rules.get(0).get("expr"))
        .isEqualTo(
            "sum by (monitor_namespace, monitor, direction) (rate(trafficmonitor_pod_bytes_total"
                + "{monitor_namespace=\""
                + NS
                + "\", monitor=\"alerting\"}[60s])) > 1000000000");
    assertThat((String) rules.get(1).get("expr")).endsWith("> 0.01");
    assertThat(rules).allSatisfy(r -> assertThat(r.get("for")).isEqualTo("2m"));
    assertThat((Map<String, Object>) rules.get(0).get("labels"))
        .containsEntry("severity", "critical")
        .containsEntry("monitor", NAME);

    assertThat(
            client
                .genericKubernetesResources("monitoring.coreos.com/v1", "ServiceMonitor")
                .inNamespace(NS)
                .list()
                .getItems())
        .isEmpty();

    // Thresholds change: the rule follows.
    OperatorHarness.mergePatch(
        client,
        NS,
        NAME,
        "{\"spec\": {\"alerts\": {\"maxBytesPerSecond\": null, \"maxRetransmitRatio\": 0.05}}}");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(rules(get("PrometheusRule", "trafficmonitor-" + NAME)))
                    .extracting(r -> r.get("alert"))
                    .containsExactly(
                        "TrafficMonitorPacketLossHigh", "TrafficMonitorRetransmitsHigh"));

    // No alerts asked for: no rule; asked for again: a rule again.
    OperatorHarness.mergePatch(client, NS, NAME, "{\"spec\": {\"alerts\": null}}");
    await().atMost(WAIT).until(() -> get("PrometheusRule", "trafficmonitor-" + NAME) == null);
    OperatorHarness.mergePatch(
        client, NS, NAME, "{\"spec\": {\"alerts\": {\"maxRetransmitRatio\": 0.05}}}");
    await().atMost(WAIT).until(() -> get("PrometheusRule", "trafficmonitor-" + NAME) != null);

    // Deleting the monitor lets the garbage collector take the rule.
    client.resource(created).delete();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> get("PrometheusRule", "trafficmonitor-" + NAME) == null);
  }

  private static TrafficMonitor current() {
    return client.resources(TrafficMonitor.class).inNamespace(NS).withName(NAME).get();
  }

  /** Any change triggers a reconcile (events are not filtered by generation). */
  private static void poke() {
    OperatorHarness.mergePatch(
        client,
        NS,
        NAME,
        "{\"metadata\": {\"annotations\": {\"it.trafficmonitor.io/poke\": \""
            + System.nanoTime()
            + "\"}}}");
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rules(GenericKubernetesResource rule) {
    Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
    Map<String, Object> group = ((List<Map<String, Object>>) spec.get("groups")).get(0);
    return (List<Map<String, Object>>) group.get("rules");
  }
}
