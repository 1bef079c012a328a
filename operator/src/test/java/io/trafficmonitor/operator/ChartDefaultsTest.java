package io.trafficmonitor.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.trafficmonitor.api.agent.AgentEnvironment;
import io.trafficmonitor.api.v1alpha1.GoDuration;
import io.trafficmonitor.operator.live.LiveSettings;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import io.trafficmonitor.operator.model.PrometheusObjects;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chart sets every agent setting by environment; the operator's own defaults serve a process
 * started without the chart. Both must say the same, so that one figure has one meaning: this test
 * holds the chart's values.yaml to {@link AgentSettings#defaults()} and {@link
 * AlertSettings#defaults()}.
 */
class ChartDefaultsTest {
  @Test
  void theChartsAgentValuesAreTheOperatorsDefaults() throws Exception {
    JsonNode values =
        new ObjectMapper(new YAMLFactory())
            .readTree(
                Files.readString(
                    OperatorHarness.repoRoot().resolve("charts/trafficmonitor/values.yaml")));
    JsonNode agent = values.get("agent");
    AgentSettings d = AgentSettings.defaults();
    assertThat(agent.at("/resources/requests/cpu").asText()).isEqualTo(d.cpuRequest());
    assertThat(agent.at("/resources/requests/memory").asText()).isEqualTo(d.memoryRequest());
    assertThat(agent.at("/resources/limits/cpu").asText()).isEqualTo(d.cpuLimit());
    assertThat(agent.at("/resources/limits/memory").asText()).isEqualTo(d.memoryLimit());
    assertThat(agent.get("metricsPort").asInt()).isEqualTo(d.metricsPort());
    assertThat(agent.get("flowValues").asText()).isEqualTo(d.flowValues());
    assertThat(agent.get("maxSeries").isInt()).as("agent.maxSeries is a number").isTrue();
    assertThat(agent.get("maxSeries").asInt()).isEqualTo(d.maxSeries());
    JsonNode schema =
        new ObjectMapper()
            .readTree(
                Files.readString(
                    OperatorHarness.repoRoot()
                        .resolve("charts/trafficmonitor/values.schema.json")));
    assertThat(schema.at("/properties/agent/properties/maxSeries/minimum").asInt())
        .as("the smallest series budget the chart and the agent accept")
        .isEqualTo(AgentEnvironment.MIN_MAX_SERIES);
    assertThat(agent.at("/image/pullPolicy").asText()).isEqualTo(d.imagePullPolicy());
    assertThat(agent.get("priorityClassName").asText()).isEqualTo(d.priorityClassName());
    assertThat(agent.get("nodeSelector").size()).isEqualTo(d.nodeSelector().size());
    assertThat(agent.get("tolerations").size()).isEqualTo(d.tolerations().size());
    assertThat(d.image()).startsWith(agent.at("/image/repository").asText() + ":");
    assertThat(values.get("architectures"))
        .extracting(JsonNode::asText)
        .containsExactlyElementsOf(d.architectures());
    assertThat(AgentDaemonSet.METRICS_PORT_NAME)
        .as("the agent Service targets the port by this name")
        .isEqualTo("metrics");
  }

  @Test
  void theChartsLiveApiValuesAreTheOperatorsDefaults() throws Exception {
    JsonNode live =
        new ObjectMapper(new YAMLFactory())
            .readTree(
                Files.readString(
                    OperatorHarness.repoRoot().resolve("charts/trafficmonitor/values.yaml")))
            .get("liveApi");
    assertThat(live.get("port").asInt()).isEqualTo(LiveSettings.DEFAULT_PORT);
    assertThat(
            Files.readString(
                OperatorHarness.repoRoot()
                    .resolve("charts/trafficmonitor/templates/deployment.yaml")))
        .as("the chart mounts the certificate where the operator reads it")
        .contains("mountPath: " + LiveSettings.DEFAULT_TLS_DIR);
  }

  @Test
  void theChartMountsTheAgentsCaWhereTheOperatorReadsIt() throws Exception {
    String deployment =
        Files.readString(
            OperatorHarness.repoRoot().resolve("charts/trafficmonitor/templates/deployment.yaml"));
    String dir = AgentSettings.DEFAULT_TLS_CA_FILE.replaceFirst("/ca\\.crt$", "");
    assertThat(deployment)
        .contains("mountPath: " + dir + ",")
        .contains("value: " + AgentSettings.DEFAULT_TLS_CA_FILE)
        .contains("items: [{key: ca.crt, path: ca.crt}]");
    assertThat(AgentSettings.defaults().tls()).as("plain HTTP without the chart").isFalse();
  }

  @Test
  void theChartsAlertValuesAreTheOperatorsDefaults() throws Exception {
    JsonNode rule =
        new ObjectMapper(new YAMLFactory())
            .readTree(
                Files.readString(
                    OperatorHarness.repoRoot().resolve("charts/trafficmonitor/values.yaml")))
            .get("prometheusRule");
    AlertSettings d = AlertSettings.defaults();
    assertThat(GoDuration.parse(rule.get("bandwidthWindow").asText()))
        .isEqualTo(d.bandwidthWindow());
    assertThat(GoDuration.parse(rule.get("ratioWindow").asText())).isEqualTo(d.ratioWindow());
    assertThat(rule.get("runbooks").asText()).isEqualTo(d.runbooks());
    assertThat(rule.get("labels").size()).isEqualTo(d.labels().size());
  }

  /** Every alert shipped, the chart's and the operator's, has its section in docs/runbooks.md. */
  @Test
  void everyAlertHasARunbook() throws Exception {
    String runbooks = Files.readString(OperatorHarness.repoRoot().resolve("docs/runbooks.md"));
    String chartRule =
        Files.readString(
            OperatorHarness.repoRoot()
                .resolve("charts/trafficmonitor/templates/prometheusrule.yaml"));
    List<String> alerts = new ArrayList<>();
    Matcher m = Pattern.compile("- alert: (\\w+)").matcher(chartRule);
    while (m.find()) {
      alerts.add(m.group(1));
      assertThat(chartRule).contains("#" + m.group(1).toLowerCase(Locale.ROOT) + "\"");
    }
    assertThat(alerts).hasSize(3);
    alerts.addAll(
        List.of(
            PrometheusObjects.BANDWIDTH,
            PrometheusObjects.INTERFACE_BANDWIDTH,
            PrometheusObjects.PACKET_LOSS,
            PrometheusObjects.RETRANSMITS));
    for (String alert : alerts) {
      assertThat(runbooks).as("docs/runbooks.md").contains("\n## " + alert + "\n");
    }
  }
}
