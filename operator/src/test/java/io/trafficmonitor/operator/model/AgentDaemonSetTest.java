package io.trafficmonitor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.AgentSettings;
import io.trafficmonitor.operator.Monitors;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentDaemonSetTest {
  private final AgentSettings settings = AgentSettings.defaults();

  @Test
  void placesAndSizesTheAgentFromSpecAndSettings() {
    TrafficMonitor tm =
        Monitors.monitor(
            "shop",
            "web",
            "nodeSelector: {role: edge}\n"
                + "tolerations: [{key: dedicated, operator: Equal, value: net, effect: NoSchedule}]\n");
    DaemonSet ds = AgentDaemonSet.desired(tm, settings);

    assertThat(ds.getMetadata().getName()).isEqualTo("trafficmonitor-agent-web");
    assertThat(ds.getMetadata().getNamespace()).isEqualTo("shop");
    PodTemplateSpec template = ds.getSpec().getTemplate();
    assertThat(template.getSpec().getHostNetwork()).isTrue();
    assertThat(template.getSpec().getNodeSelector())
        .containsEntry("role", "edge")
        .containsEntry("kubernetes.io/os", "linux");
    assertThat(template.getSpec().getTolerations())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getKey()).isEqualTo("dedicated");
              assertThat(t.getEffect()).isEqualTo("NoSchedule");
            });
    Container agent = template.getSpec().getContainers().get(0);
    assertThat(agent.getImage()).isEqualTo(settings.image());
    assertThat(agent.getResources().getRequests().get("memory").toString())
        .isEqualTo(settings.memoryRequest());
    assertThat(agent.getResources().getLimits().get("cpu").toString())
        .isEqualTo(settings.cpuLimit());
    assertThat(agent.getSecurityContext().getPrivileged()).isFalse();
    assertThat(agent.getSecurityContext().getCapabilities().getAdd())
        .containsExactlyInAnyOrder("BPF", "NET_ADMIN", "PERFMON", "SYS_PTRACE");
    assertThat(agent.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(agent.getEnv())
        .filteredOn(e -> e.getName().equals(AgentDaemonSet.ENV_NODE_NAME))
        .singleElement()
        .extracting(e -> e.getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("spec.nodeName");
    assertThat(agent.getEnv())
        .extracting(EnvVar::getName)
        .contains(AgentDaemonSet.ENV_MONITOR_NAME, AgentDaemonSet.ENV_MONITOR_NAMESPACE);
    assertThat(agent.getEnv())
        .filteredOn(e -> e.getName().equals("JAVA_TOOL_OPTIONS"))
        .singleElement()
        .extracting(EnvVar::getValue)
        .asString()
        .contains("-Xmx64m", "-XX:+UseSerialGC");
    assertThat(agent.getEnv())
        .filteredOn(e -> e.getName().equals("FLOW_VALUES"))
        .singleElement()
        .extracting(EnvVar::getValue)
        .isEqualTo("auto");
    assertThat(ds.getSpec().getSelector().getMatchLabels()).isEqualTo(Names.selector(tm));
    assertThat(template.getMetadata().getLabels()).containsAllEntriesOf(Names.selector(tm));
  }

  @Test
  void filtersPortsAndIntervalsStayOutOfThePodTemplate() {
    TrafficMonitor before =
        Monitors.monitor(
            "shop", "web", "ports: ['80']\ninterval: 1s\nfilters: [{source: 10.0.0.0/8}]");
    TrafficMonitor after =
        Monitors.monitor(
            "shop",
            "web",
            "ports: ['443', '8000-8100']\ninterval: 100ms\nstatusInterval: 5s\n"
                + "filters: [{destination: 'fd00::/8'}]\ninterfaces: [eth0]\ndirection: Egress\n"
                + "flows: {topN: 3}\nalerts: {maxBytesPerSecond: 10}");
    assertThat(Serialization.asJson(AgentDaemonSet.desired(after, settings)))
        .isEqualTo(Serialization.asJson(AgentDaemonSet.desired(before, settings)));
  }

  @Test
  void longNamesAreBoundedToADnsLabel() {
    TrafficMonitor tm = Monitors.monitor("shop", "x".repeat(100), null);
    String name = Names.agent(tm);
    assertThat(name).hasSizeLessThanOrEqualTo(63).startsWith("trafficmonitor-agent-xxx");
    assertThat(Names.agent(Monitors.monitor("shop", "x".repeat(99) + "y", null)))
        .isNotEqualTo(name);
    assertThat(Names.selector(tm).values())
        .allSatisfy(v -> assertThat(v).hasSizeLessThanOrEqualTo(63));
  }

  /** The default settings with these flow values, priority class and tolerations. */
  private static AgentSettings placed(
      String flowValues, String priorityClassName, List<Toleration> tolerations) {
    AgentSettings d = AgentSettings.defaults();
    return new AgentSettings(
        d.image(),
        d.imagePullPolicy(),
        d.cpuRequest(),
        d.memoryRequest(),
        d.cpuLimit(),
        d.memoryLimit(),
        d.metricsPort(),
        d.clusterRole(),
        flowValues,
        priorityClassName,
        tolerations,
        d.architectures());
  }

  @Test
  void flowValuesMustBeAValueTheAgentKnows() {
    AgentSettings d = AgentSettings.defaults();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> placed("fast", d.priorityClassName(), d.tolerations()))
        .hasMessageContaining("flow-values must be auto, shared or per-cpu, not fast");
  }

  @Test
  void theInstallationPlacesAgentsOnItsArchitecturesWithItsPriorityAndTolerations() {
    AgentSettings d = AgentSettings.defaults();
    AgentSettings admin =
        placed(
            d.flowValues(),
            "system-node-critical",
            AgentSettings.parseTolerations("[{\"operator\": \"Exists\"}]"));
    TrafficMonitor tm =
        Monitors.monitor(
            "shop",
            "web",
            "tolerations: [{key: dedicated, operator: Equal, value: net, effect: NoSchedule}]\n");
    PodSpec pod = AgentDaemonSet.desired(tm, admin).getSpec().getTemplate().getSpec();

    assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
    assertThat(pod.getTolerations())
        .extracting(t -> t.getOperator() + ":" + t.getKey())
        .containsExactly("Exists:null", "Equal:dedicated");
    assertThat(
            pod.getAffinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()
                .get(0)
                .getMatchExpressions()
                .get(0))
        .satisfies(
            e -> {
              assertThat(e.getKey()).isEqualTo("kubernetes.io/arch");
              assertThat(e.getValues()).containsExactly("amd64");
            });
    assertThat(AgentDaemonSet.desired(tm, d).getSpec().getTemplate().getSpec())
        .satisfies(p -> assertThat(p.getPriorityClassName()).isNull());
  }

  @Test
  void theAgentRunsWithAReadOnlyRootAndTheNodesProcesses() {
    PodSpec pod =
        AgentDaemonSet.desired(Monitors.monitor("shop", "web", null), settings)
            .getSpec()
            .getTemplate()
            .getSpec();
    assertThat(pod.getHostPID()).isTrue();
    assertThat(pod.getContainers().get(0).getStartupProbe().getPeriodSeconds()).isEqualTo(1);
    Container agent = pod.getContainers().get(0);
    assertThat(agent.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(agent.getVolumeMounts())
        .filteredOn(m -> m.getMountPath().equals("/tmp"))
        .singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isNotEqualTo(Boolean.TRUE));
    assertThat(settings.image())
        .isEqualTo(AgentSettings.DEFAULT_REPOSITORY + ":" + AgentSettings.version())
        .doesNotContain("${");
  }
}
