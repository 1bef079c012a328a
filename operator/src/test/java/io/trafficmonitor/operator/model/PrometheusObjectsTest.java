package io.trafficmonitor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.Monitors;
import java.util.List;
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
        .containsExactly("TrafficMonitorThroughputHigh", "TrafficMonitorRetransmitsHigh");
    assertThat(rules.get(0).get("expr"))
        .isEqualTo(
            "sum by (instance) (rate(trafficmonitor_bytes_total{monitor=\"web\"}[2m])) > 1000000000");
    assertThat((String) rules.get(1).get("expr"))
        .contains("trafficmonitor_tcp_retransmits_total{monitor=\"web\"}")
        .endsWith("> 0.05");
    assertThat(rules)
        .allSatisfy(
            r -> {
              assertThat(r.get("for")).isEqualTo("2m");
              assertThat((Map<String, Object>) r.get("labels"))
                  .containsEntry("severity", "critical");
            });
    assertThat(((Map<String, String>) rules.get(1).get("annotations")).get("summary"))
        .isEqualTo("TCP retransmits above 5%");
  }
}
