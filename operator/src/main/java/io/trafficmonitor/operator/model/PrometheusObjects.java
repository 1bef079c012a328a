package io.trafficmonitor.operator.model;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.trafficmonitor.api.v1alpha1.Alerts;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.operator.AlertSettings;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Prometheus Operator object of a monitor, built as an unstructured resource so that the
 * operator needs no Prometheus Operator model: a PrometheusRule with the alerts of {@code
 * spec.alerts}. This is the only place where those fields get their meaning (the API's field
 * descriptions and docs/runbooks.md say the same); the thresholds are in the expressions, so a
 * threshold removed from the spec stops alerting with the rule.
 *
 * <p>The expressions read the agents' metrics as docs/metrics.md defines them: a monitor's series
 * carry {@code monitor_namespace} and {@code monitor}, a pod's traffic counts once in {@code
 * trafficmonitor_pod_*} (its sockets), node interfaces are in {@code trafficmonitor_interface_*}.
 */
public final class PrometheusObjects {

  public static final String GROUP = "monitoring.coreos.com";
  public static final String VERSION = "v1";
  public static final String PROMETHEUS_RULE = "PrometheusRule";
  public static final String PROMETHEUS_RULE_CRD = "prometheusrules." + GROUP;

  /** The alerts a monitor's rule may hold; docs/runbooks.md has a section for each. */
  public static final String BANDWIDTH = "TrafficMonitorBandwidthHigh";

  public static final String INTERFACE_BANDWIDTH = "TrafficMonitorInterfaceBandwidthHigh";
  public static final String PACKET_LOSS = "TrafficMonitorPacketLossHigh";
  public static final String RETRANSMITS = "TrafficMonitorRetransmitsHigh";

  private static final String MONITOR = "monitor_namespace, monitor";

  private PrometheusObjects() {}

  /** A TrafficMonitor's PrometheusRule, beside it. */
  public static PrometheusRuleResource prometheusRule(TrafficMonitor tm) {
    return prometheusRule(tm, tm.getMetadata().getNamespace(), AlertSettings.current());
  }

  /**
   * The PrometheusRule of {@code tm} (a TrafficMonitor or a ClusterTrafficMonitor) in {@code
   * namespace}: a TrafficMonitor's own, the operator's for a ClusterTrafficMonitor.
   */
  public static PrometheusRuleResource prometheusRule(
      CustomResource<TrafficMonitorSpec, ?> tm, String namespace) {
    return prometheusRule(tm, namespace, AlertSettings.current());
  }

  /** As {@link #prometheusRule(CustomResource, String)}, with these settings. */
  public static PrometheusRuleResource prometheusRule(
      CustomResource<TrafficMonitorSpec, ?> tm, String namespace, AlertSettings settings) {
    TrafficMonitorSpec spec = tm.getSpec() == null ? new TrafficMonitorSpec() : tm.getSpec();
    Alerts alerts = spec.getAlerts() == null ? new Alerts() : spec.getAlerts();
    String sel = selector(tm);
    String bandwidth = "[" + promDuration(settings.bandwidthWindow()) + "]";
    String ratio = "[" + promDuration(settings.ratioWindow()) + "]";
    Rules rules = new Rules(tm, alerts, settings);
    if (alerts.getMaxBytesPerSecond() != null) {
      String limit = number(alerts.getMaxBytesPerSecond());
      rules.add(
          BANDWIDTH,
          "sum by ("
              + MONITOR
              + ", direction) (rate(trafficmonitor_pod_bytes_total{"
              + sel
              + "}"
              + bandwidth
              + ")) > "
              + limit,
          "Traffic of " + qualified(tm) + " above " + limit + " bytes/s",
          "The pods of "
              + qualified(tm)
              + " together carry {{ $value | humanize }}B/s ({{ $labels.direction }}), above"
              + " spec.alerts.maxBytesPerSecond.");
      if (spec.getInterfaces() != null && !spec.getInterfaces().isEmpty()) {
        rules.add(
            INTERFACE_BANDWIDTH,
            "sum by ("
                + MONITOR
                + ", node, instance, interface, direction)"
                + " (rate(trafficmonitor_interface_bytes_total{"
                + sel
                + "}"
                + bandwidth
                + ")) > "
                + limit,
            "A node interface of " + qualified(tm) + " above " + limit + " bytes/s",
            "{{ $labels.interface }} on"
                + " {{ with $labels.node }}{{ . }}{{ else }}{{ $labels.instance }}{{ end }} carries"
                + " {{ $value | humanize }}B/s ({{ $labels.direction }}), above"
                + " spec.alerts.maxBytesPerSecond of "
                + qualified(tm)
                + ".");
      }
    }
    if (alerts.getMaxPacketLossRatio() != null) {
      rules.add(
          PACKET_LOSS,
          "("
              + lossRatio("pod", sel, ratio)
              + " or "
              + lossRatio("interface", sel, ratio)
              + ") > "
              + number(alerts.getMaxPacketLossRatio()),
          "Packet loss of " + qualified(tm) + " above " + percent(alerts.getMaxPacketLossRatio()),
          "{{ $value | humanizePercentage }} of the packets with sequence numbers of "
              + qualified(tm)
              + " were lost, above spec.alerts.maxPacketLossRatio.");
    }
    if (alerts.getMaxRetransmitRatio() != null) {
      rules.add(
          RETRANSMITS,
          sumRate("trafficmonitor_tcp_retransmits_total", sel, ratio)
              + " / "
              + sumRate(
                  "trafficmonitor_pod_packets_total",
                  sel + ", protocol=\"TCP\", direction=\"egress\"",
                  ratio)
              + " > "
              + number(alerts.getMaxRetransmitRatio()),
          "TCP retransmits of "
              + qualified(tm)
              + " above "
              + percent(alerts.getMaxRetransmitRatio()),
          "The pods of "
              + qualified(tm)
              + " retransmit {{ $value | humanizePercentage }} of the TCP packets they send, above"
              + " spec.alerts.maxRetransmitRatio.");
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
    group.put("rules", rules.list);
    PrometheusRuleResource rule =
        fill(
            new PrometheusRuleResource(),
            PROMETHEUS_RULE,
            Names.rule(tm),
            namespace,
            tm,
            Map.of("groups", List.of(group)));
    Map<String, String> labels = new LinkedHashMap<>(settings.labels());
    labels.putAll(rule.getMetadata().getLabels()); // the operator's own labels win
    rule.getMetadata().setLabels(labels);
    return rule;
  }

  /**
   * The series of {@code tm}: its name and its namespace (empty for a ClusterTrafficMonitor, which
   * matches the series without one).
   */
  static String selector(HasMetadata tm) {
    String ns = Names.clusterScoped(tm) ? "" : tm.getMetadata().getNamespace();
    return "monitor_namespace=\"" + ns + "\", monitor=\"" + tm.getMetadata().getName() + "\"";
  }

  /** lost / (received + lost) of one family's sequence counters. */
  private static String lossRatio(String family, String sel, String window) {
    String lost = sumRate("trafficmonitor_" + family + "_sequence_lost_packets_total", sel, window);
    String received =
        sumRate("trafficmonitor_" + family + "_sequence_received_packets_total", sel, window);
    return "(" + lost + " / (" + received + " + " + lost + "))";
  }

  private static String sumRate(String family, String sel, String window) {
    return "sum by (" + MONITOR + ") (rate(" + family + "{" + sel + "}" + window + "))";
  }

  /** The rule's alerts, each with the monitor's for, severity, names and runbook. */
  private static final class Rules {
    final List<Map<String, Object>> list = new ArrayList<>();
    final HasMetadata tm;
    final String forDuration;
    final String severity;
    final AlertSettings settings;

    Rules(HasMetadata tm, Alerts alerts, AlertSettings settings) {
      this.tm = tm;
      this.forDuration = alerts.getForDuration() == null ? "1m" : alerts.getForDuration();
      this.severity = alerts.getSeverity() == null ? "warning" : alerts.getSeverity();
      this.settings = settings;
    }

    void add(String name, String expr, String summary, String description) {
      Map<String, Object> rule = new LinkedHashMap<>();
      rule.put("alert", name);
      rule.put("expr", expr);
      rule.put("for", forDuration);
      Map<String, String> labels = new LinkedHashMap<>();
      labels.put("severity", severity);
      labels.put("monitor_kind", tm.getKind());
      if (!Names.clusterScoped(tm)) {
        labels.put("monitor_namespace", tm.getMetadata().getNamespace());
      }
      labels.put("monitor", tm.getMetadata().getName());
      rule.put("labels", labels);
      Map<String, String> annotations = new LinkedHashMap<>();
      annotations.put("summary", summary);
      annotations.put("description", description);
      annotations.put("runbook_url", runbook(settings, name));
      rule.put("annotations", annotations);
      list.add(rule);
    }
  }

  /** The address of {@code alert}'s section of docs/runbooks.md. */
  public static String runbook(AlertSettings settings, String alert) {
    return settings.runbooks() + "#" + alert.toLowerCase(Locale.ROOT);
  }

  /** A duration as PromQL reads it: whole seconds, or milliseconds. */
  static String promDuration(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
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
