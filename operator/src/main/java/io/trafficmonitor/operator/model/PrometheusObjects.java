package io.trafficmonitor.operator.model;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.trafficmonitor.api.v1alpha1.Alerts;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Prometheus Operator object of a monitor, built as an unstructured resource so that the
 * operator needs no Prometheus Operator model: a PrometheusRule with one alert per threshold of
 * {@code spec.alerts}. (The agents are scraped through the chart's one ServiceMonitor, whatever the
 * number of monitors.)
 *
 * <p>The alert expressions read the agent's metrics: {@code trafficmonitor_bytes_total}, {@code
 * trafficmonitor_packets_total}, {@code trafficmonitor_drops_total} and {@code
 * trafficmonitor_tcp_retransmits_total}, each labelled with {@code monitor}; summed per scraped
 * agent ({@code instance}), so an alert names the node's agent.
 */
public final class PrometheusObjects {

  public static final String GROUP = "monitoring.coreos.com";
  public static final String VERSION = "v1";
  public static final String PROMETHEUS_RULE = "PrometheusRule";
  public static final String PROMETHEUS_RULE_CRD = "prometheusrules." + GROUP;

  private PrometheusObjects() {}

  /** A TrafficMonitor's PrometheusRule, beside it. */
  public static PrometheusRuleResource prometheusRule(TrafficMonitor tm) {
    return prometheusRule(tm, tm.getMetadata().getNamespace());
  }

  /**
   * The PrometheusRule of {@code tm} (a TrafficMonitor or a ClusterTrafficMonitor) in {@code
   * namespace}: a TrafficMonitor's own, the operator's for a ClusterTrafficMonitor.
   */
  public static PrometheusRuleResource prometheusRule(
      CustomResource<TrafficMonitorSpec, ?> tm, String namespace) {
    Alerts alerts =
        tm.getSpec() == null || tm.getSpec().getAlerts() == null
            ? new Alerts()
            : tm.getSpec().getAlerts();
    String selector = "monitor=\"" + tm.getMetadata().getName() + "\"";
    String forDuration = alerts.getForDuration() == null ? "1m" : alerts.getForDuration();
    String severity = alerts.getSeverity() == null ? "warning" : alerts.getSeverity();
    List<Map<String, Object>> rules = new ArrayList<>();
    if (alerts.getMaxBytesPerSecond() != null) {
      rules.add(
          alert(
              "TrafficMonitorThroughputHigh",
              "sum by (instance) (rate(trafficmonitor_bytes_total{"
                  + selector
                  + "}[2m])) > "
                  + number(alerts.getMaxBytesPerSecond()),
              forDuration,
              severity,
              tm,
              "Traffic above " + number(alerts.getMaxBytesPerSecond()) + " bytes/s",
              "{{ $labels.instance }} carries {{ $value | humanize }}B/s for "
                  + qualified(tm)
                  + ", above its limit."));
    }
    if (alerts.getMaxPacketLossRatio() != null) {
      rules.add(
          alert(
              "TrafficMonitorPacketLossHigh",
              ratio("trafficmonitor_drops_total", selector)
                  + " > "
                  + number(alerts.getMaxPacketLossRatio()),
              forDuration,
              severity,
              tm,
              "Packet loss above " + percent(alerts.getMaxPacketLossRatio()),
              "{{ $labels.instance }} drops {{ $value | humanizePercentage }} of the packets of "
                  + qualified(tm)
                  + "."));
    }
    if (alerts.getMaxRetransmitRatio() != null) {
      rules.add(
          alert(
              "TrafficMonitorRetransmitsHigh",
              ratio("trafficmonitor_tcp_retransmits_total", selector)
                  + " > "
                  + number(alerts.getMaxRetransmitRatio()),
              forDuration,
              severity,
              tm,
              "TCP retransmits above " + percent(alerts.getMaxRetransmitRatio()),
              "{{ $labels.instance }} retransmits {{ $value | humanizePercentage }} of the"
                  + " packets of "
                  + qualified(tm)
                  + "."));
    }
    Map<String, Object> group = new LinkedHashMap<>();
    group.put(
        "name",
        Names.clusterScoped(tm)
            ? "clustertrafficmonitor." + tm.getMetadata().getName()
            : "trafficmonitor."
                + tm.getMetadata().getNamespace()
                + "."
                + tm.getMetadata().getName());
    group.put("rules", rules);
    return fill(
        new PrometheusRuleResource(),
        PROMETHEUS_RULE,
        Names.rule(tm),
        namespace,
        tm,
        Map.of("groups", List.of(group)));
  }

  private static String ratio(String counter, String selector) {
    return "sum by (instance) (rate("
        + counter
        + "{"
        + selector
        + "}[5m])) / clamp_min(sum by (instance) (rate(trafficmonitor_packets_total{"
        + selector
        + "}[5m])), 1)";
  }

  private static Map<String, Object> alert(
      String name,
      String expr,
      String forDuration,
      String severity,
      HasMetadata tm,
      String summary,
      String description) {
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("alert", name);
    rule.put("expr", expr);
    rule.put("for", forDuration);
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("severity", severity);
    labels.put("monitor", tm.getMetadata().getName());
    if (Names.clusterScoped(tm)) {
      labels.put("monitor_kind", tm.getKind());
    } else {
      labels.put("monitor_namespace", tm.getMetadata().getNamespace());
    }
    rule.put("labels", labels);
    rule.put("annotations", Map.of("summary", summary, "description", description));
    return rule;
  }

  private static <T extends GenericKubernetesResource> T fill(
      T resource,
      String kind,
      String name,
      String namespace,
      HasMetadata tm,
      Map<String, Object> spec) {
    resource.setApiVersion(GROUP + "/" + VERSION);
    resource.setKind(kind);
    resource.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(Names.labels(tm))
            .build());
    resource.setAdditionalProperty("spec", spec);
    return resource;
  }

  /** "TrafficMonitor shop/web", "ClusterTrafficMonitor edge". */
  private static String qualified(HasMetadata tm) {
    return tm.getKind()
        + " "
        + (Names.clusterScoped(tm)
            ? tm.getMetadata().getName()
            : tm.getMetadata().getNamespace() + "/" + tm.getMetadata().getName());
  }

  /** A number as PromQL reads it, without a needless ".0" or exponent surprises. */
  static String number(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  private static String percent(double ratio) {
    return BigDecimal.valueOf(ratio).movePointRight(2).stripTrailingZeros().toPlainString() + "%";
  }
}
