package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trafficmonitor.agent.target.CgroupLayout;
import io.trafficmonitor.api.agent.AgentEnvironment;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
  @Test
  void readsTheDaemonSetEnvironment() {
    AgentConfig c =
        AgentConfig.from(
            Map.of(
                "NODE_NAME", "node-a",
                "TM_WATCH_NAMESPACE", "shop",
                "STATUS_PERIOD", "2s",
                "CGROUP_ROOT", "/sys/fs/cgroup/unified",
                "CGROUP_DRIVER", "cgroupfs",
                "NODE_NETNS", "/var/run/netns/node-a"));
    assertThat(c.watchNamespace()).contains("shop");
    assertThat(c.fieldManager()).isEqualTo("trafficmonitor-agent-node-a");
    assertThat(c.statusInterval()).contains(Duration.ofSeconds(2));
    assertThat(c.cgroupRoot()).contains(Path.of("/sys/fs/cgroup/unified"));
    assertThat(c.cgroupDriver()).isEqualTo(CgroupLayout.Driver.CGROUPFS);
    assertThat(c.nodeNetns()).contains(Path.of("/var/run/netns/node-a"));
    assertThat(c.resyncInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.flowValues()).isEqualTo(FlowDatapath.ValueMode.AUTO);
  }

  @Test
  void flowValuesAreAutoSharedOrPerCpu() {
    Map<String, String> base = Map.of("NODE_NAME", "n");
    Function<String, AgentConfig> with =
        v -> {
          Map<String, String> env = new HashMap<>(base);
          env.put("FLOW_VALUES", v);
          return AgentConfig.from(env);
        };
    assertThat(with.apply("per-cpu").flowValues()).isEqualTo(FlowDatapath.ValueMode.PER_CPU);
    assertThat(with.apply("Shared").flowValues()).isEqualTo(FlowDatapath.ValueMode.SHARED);
    assertThatThrownBy(() -> with.apply("fast"))
        .hasMessageContaining("FLOW_VALUES must be auto, shared or per-cpu, not fast");
  }

  @Test
  void theSeriesBudgetIsTheOperatorsDefaultUnlessSetAndAtLeast100() {
    assertThat(AgentConfig.from(Map.of("NODE_NAME", "n")).maxSeries())
        .isEqualTo(AgentEnvironment.DEFAULT_MAX_SERIES);
    assertThat(AgentConfig.from(Map.of("NODE_NAME", "n", "TM_MAX_SERIES", "30000")).maxSeries())
        .isEqualTo(30000);
    for (String bad : List.of("99", "lots", "-1")) {
      assertThatThrownBy(() -> AgentConfig.from(Map.of("NODE_NAME", "n", "TM_MAX_SERIES", bad)))
          .hasMessage("TM_MAX_SERIES must be a whole number of at least 100, not " + bad);
    }
  }

  @Test
  void requiresOnlyTheNodeAndServesAllNamespacesByDefault() {
    assertThatThrownBy(() -> AgentConfig.from(Map.of())).hasMessageContaining("NODE_NAME");
    assertThat(AgentConfig.from(Map.of("NODE_NAME", "n")).watchNamespace()).isEmpty();
  }
}
