package io.trafficmonitor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.operator.AlertSettings;
import io.trafficmonitor.operator.Monitors;
import io.trafficmonitor.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules the operator writes for spec.alerts, as Prometheus evaluates them: promtool checks the
 * rendered rules of three monitors and runs the unit tests of {@code rules/monitor_rules_test.yaml}
 * (a pod seen at both hooks, a flow with both ends monitored, pods on two nodes, two monitors of
 * one name, node interfaces, loss and retransmit ratios).
 */
class MonitorRulesPromtoolTest {

  @TempDir Path work;

  @Test
  @SuppressWarnings("unchecked")
  void theOperatorsRulesPassPromtoolsChecksAndUnitTests() throws Exception {
    Path promtool = Tools.require(Tools.promtool());
    AlertSettings settings = AlertSettings.defaults();
    List<Object> groups = new ArrayList<>();
    for (PrometheusRuleResource rule :
        List.of(
            PrometheusObjects.prometheusRule(
                Monitors.monitor(
                    "shop",
                    "web",
                    "sequence: {protocol: UDP, offset: 0}\n"
                        + "alerts: {maxBytesPerSecond: 100000, maxPacketLossRatio: 0.01,"
                        + " maxRetransmitRatio: 0.05, for: 1m}"),
                "shop",
                settings),
            PrometheusObjects.prometheusRule(
                Monitors.monitor("other", "web", "alerts: {maxBytesPerSecond: 100000, for: 1m}"),
                "other",
                settings),
            PrometheusObjects.prometheusRule(
                clusterMonitor(
                    "edge", "interfaces: [eth0]\nalerts: {maxBytesPerSecond: 100000, for: 1m}"),
                "trafficmonitor-system",
                settings))) {
      Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
      groups.addAll((List<Object>) spec.get("groups"));
    }
    Files.writeString(
        work.resolve("monitor.rules.yaml"), Serialization.asYaml(Map.of("groups", groups)));
    try (InputStream tests = getClass().getResourceAsStream("/rules/monitor_rules_test.yaml")) {
      Files.copy(tests, work.resolve("monitor_rules_test.yaml"));
    }

    String check = run(promtool.toString(), "check", "rules", "monitor.rules.yaml");
    assertThat(check).contains("SUCCESS: 6 rules found");
    String test = run(promtool.toString(), "test", "rules", "monitor_rules_test.yaml");
    assertThat(test).contains("SUCCESS");
  }

  static ClusterTrafficMonitor clusterMonitor(String name, String specYaml) {
    ClusterTrafficMonitor tm = new ClusterTrafficMonitor();
    tm.setMetadata(new ObjectMetaBuilder().withName(name).withGeneration(1L).build());
    tm.setSpec(Serialization.unmarshal(specYaml, TrafficMonitorSpec.class));
    return tm;
  }

  /** Runs a command in the work directory; its output, or a failure with it. */
  private String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " took more than 60 s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
    return out;
  }
}
