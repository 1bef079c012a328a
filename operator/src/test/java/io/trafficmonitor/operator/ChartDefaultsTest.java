package io.trafficmonitor.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The chart sets every agent setting by environment; the operator's own defaults serve a process
 * started without the chart. Both must say the same, so that one figure has one meaning: this test
 * holds the chart's values.yaml to {@link AgentSettings#defaults()}.
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
}
