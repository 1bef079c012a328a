package io.trafficmonitor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.AlertSettings;
import io.trafficmonitor.operator.Monitors;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusObjectsTest {

  @Test
  @SuppressWarnings("unchecked")
  void oneAlertPerThreshold() {
    TrafficMonitor tm =
        Monitors.monitor(
            "shop",
            "web",
            "alerts: {maxBytesPerSecond: 1.0e9, maxRetransmitRatio: 0.05, for: 2m, severity: critical}");
    GenericKubernetesResource rule = PrometheusObjects.prometheusRule(tm);

    assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.getKind()).isEqualTo("PrometheusRule");
    assertThat(rule.getMetadata().getName()).isEqualTo("trafficmonitor-web");
    assertThat(rule.getMetadata().getLabels())
        .containsEntry(Names.MONITOR_LABEL, "web")
        .containsEntry("app.kubernetes.io/managed-by", Names.MANAGED_BY);
    Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
    Map<String, Object> group = ((List<Map<String, Object>>) spec.get("groups")).get(0);
    List<Map<String, Object>> rules = (List<Map<String, Object>>) group.get("rules");
    assertThat(rules)
        .extracting(r -> r.get("alert"))
        .containsExactly(PrometheusObjects.BANDWIDTH, PrometheusObjects.RETRANSMITS);
    assertThat(rules.get(0).get("expr"))
        .isEqualTo(
            "sum by (monitor_namespace, monitor, direction) (rate(trafficmonitor_pod_bytes_total"
                + "{monitor_namespace=\"shop\", monitor=\"web\"}[60s])) > 1000000000");
    assertThat((String) rules.get(1).get("expr"))
        .contains(
            "trafficmonitor_tcp_retransmits_total{monitor_namespace=\"shop\", monitor=\"web\"}[300s]")
        .endsWith("> 0.05");
    assertThat(rules)
        .allSatisfy(
            r -> {
              assertThat(r.get("for")).isEqualTo("2m");
              assertThat((Map<String, Object>) r.get("labels"))
                  .containsEntry("severity", "critical")
                  .containsEntry("monitor_namespace", "shop")
                  .containsEntry("monitor", "web");
              assertThat((Map<String, String>) r.get("annotations"))
                  .containsKeys("summary", "description")
                  .containsEntry(
                      "runbook_url",
                      AlertSettings.DEFAULT_RUNBOOKS
                          + "#"
                          + ((String) r.get("alert")).toLowerCase(Locale.ROOT));
            });
    assertThat(((Map<String, String>) rules.get(1).get("annotations")).get("summary"))
        .isEqualTo("TCP retransmits of TrafficMonitor shop/web above 5%");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theInstallationsLabelsAndWindowsAreUsed() {
    AlertSettings settings =
        new AlertSettings(
            Duration.ofSeconds(10),
            Duration.ofMillis(1500),
            "https://docs.example/runbooks.md",
            Map.of("release", "kps", Names.MONITOR_LABEL, "not-this"));
    TrafficMonitor tm =
        Monitors.monitor(
            "shop",
            "web",
            "sequence: {protocol: UDP, offset: 0}\nalerts: {maxBytesPerSecond: 10,"
                + " maxPacketLossRatio: 0.5}");
    GenericKubernetesResource rule = PrometheusObjects.prometheusRule(tm, "shop", settings);
    assertThat(rule.getMetadata().getLabels())
        .containsEntry("release", "kps")
        .as("the operator's own labels win")
        .containsEntry(Names.MONITOR_LABEL, "web");
    Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
    List<Map<String, Object>> rules =
        (List<Map<String, Object>>)
            ((List<Map<String, Object>>) spec.get("groups")).get(0).get("rules");
    assertThat((String) rules.get(0).get("expr")).contains("[10s]");
    assertThat((String) rules.get(1).get("expr")).contains("[1500ms]");
    assertThat(((Map<String, String>) rules.get(1).get("annotations")).get("runbook_url"))
        .isEqualTo("https://docs.example/runbooks.md#trafficmonitorpacketlosshigh");
  }
}
