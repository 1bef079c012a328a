package io.trafficmonitor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.trafficmonitor.api.agent.AgentEnvironment;
import io.trafficmonitor.operator.AgentSettings;
import io.trafficmonitor.operator.AgentSettingsBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentDaemonSetTest {
  private final AgentSettings settings = AgentSettings.defaults();

  private static DaemonSet desired(AgentSettings settings) {
    return AgentDaemonSet.desired(settings, "trafficmonitor-system", List.of());
  }

  @Test
  void oneDaemonSetInTheOperatorsNamespaceServesEveryMonitor() {
    DaemonSet ds = desired(settings);

    assertThat(ds.getMetadata().getName()).isEqualTo("trafficmonitor-agent");
    assertThat(ds.getMetadata().getNamespace()).isEqualTo("trafficmonitor-system");
    assertThat(ds.getMetadata().getOwnerReferences()).isEmpty();
    PodTemplateSpec template = ds.getSpec().getTemplate();
    assertThat(ds.getSpec().getSelector().getMatchLabels())
        .isEqualTo(Map.of("app.kubernetes.io/name", "trafficmonitor-agent"));
    assertThat(template.getMetadata().getLabels())
        .containsAllEntriesOf(ds.getSpec().getSelector().getMatchLabels())
        .doesNotContainKey(Names.MONITOR_LABEL);
    assertThat(template.getSpec().getServiceAccountName()).isEqualTo("trafficmonitor-agent");
    assertThat(template.getSpec().getHostNetwork()).isTrue();
    assertThat(template.getSpec().getNodeSelector()).isEqualTo(Map.of("kubernetes.io/os", "linux"));
    assertThat(template.getSpec().getTolerations()).isEmpty();
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
    // No monitor in the environment: the agent learns the monitors from its watch.
    assertThat(agent.getEnv())
        .extracting(EnvVar::getName)
        .containsExactly(
            "NODE_NAME",
            "POD_NAME",
            "TM_METRICS_PORT",
            "QUARKUS_HTTP_PORT",
            "FLOW_VALUES",
            "TM_MAX_SERIES",
            "TM_BPF_PIN_DIR",
            "TM_STATE_DIR",
            "TM_DAEMONSET",
            "TM_STATUS",
            "JAVA_TOOL_OPTIONS",
            "MALLOC_ARENA_MAX");
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
    assertThat(agent.getEnv())
        .filteredOn(e -> e.getName().equals("TM_MAX_SERIES"))
        .singleElement()
        .extracting(EnvVar::getValue)
        .isEqualTo(Integer.toString(AgentEnvironment.DEFAULT_MAX_SERIES));
  }

  @Test
  void theOperatorsDeploymentOwnsItWhenGiven() {
    OwnerReference owner =
        new OwnerReferenceBuilder()
            .withApiVersion("apps/v1")
            .withKind("Deployment")
            .withName("tm-operator")
            .withUid("0123")
            .build();
    assertThat(
            AgentDaemonSet.desired(settings, "trafficmonitor-system", List.of(owner))
                .getMetadata()
                .getOwnerReferences())
        .containsExactly(owner);
  }

  @Test
  void withTheChartsCertificateTheAgentsServeHttpsAndTheProbesFollow() {
    AgentSettings tls =
        AgentSettingsBuilder.defaults()
            .tls("tm-agent-tls", "tm-agent-metrics.trafficmonitor-system.svc")
            .build();
    PodSpec pod = desired(tls).getSpec().getTemplate().getSpec();
    Container agent = pod.getContainers().get(0);
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .singleElement()
        .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("tm-agent-tls"));
    assertThat(agent.getEnv())
        .filteredOn(e -> e.getName().equals(AgentEnvironment.TLS_CERT_FILE))
        .singleElement()
        .extracting(EnvVar::getValue)
        .isEqualTo(AgentDaemonSet.TLS_DIR + "/tls.crt");
    assertThat(agent.getEnv())
        .filteredOn(e -> e.getName().equals(AgentEnvironment.TLS_KEY_FILE))
        .singleElement()
        .extracting(EnvVar::getValue)
        .isEqualTo(AgentDaemonSet.TLS_DIR + "/tls.key");
    assertThat(
            List.of(agent.getStartupProbe(), agent.getLivenessProbe(), agent.getReadinessProbe()))
        .allSatisfy(p -> assertThat(p.getHttpGet().getScheme()).isEqualTo("HTTPS"));

    Container plain = desired(settings).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(plain.getEnv()).noneMatch(e -> e.getName().equals(AgentEnvironment.TLS_CERT_FILE));
    assertThat(plain.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTP");
  }

  @Test
  void flowValuesMustBeAValueTheAgentKnows() {
    assertThatThrownBy(() -> AgentSettingsBuilder.defaults().flowValues("fast").build())
        .hasMessageContaining("flow-values must be auto, shared or per-cpu, not fast");
  }

  @Test
  void theSeriesBudgetGoesToEveryAgentAndIsAtLeast100() {
    AgentSettings small = AgentSettingsBuilder.defaults().maxSeries(100).build();
    assertThat(desired(small).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .filteredOn(e -> e.getName().equals(AgentEnvironment.MAX_SERIES))
        .singleElement()
        .extracting(EnvVar::getValue)
        .isEqualTo("100");
    assertThatThrownBy(() -> AgentSettingsBuilder.defaults().maxSeries(99).build())
        .hasMessageContaining("max-series must be at least 100, not 99");
  }

  @Test
  void theInstallationPlacesAgentsWithItsSelectorArchitecturesPriorityAndTolerations() {
    AgentSettings admin =
        AgentSettingsBuilder.defaults()
            .priorityClassName("system-node-critical")
            .nodeSelector(AgentSettings.parseNodeSelector("{\"role\": \"edge\"}"))
            .tolerations(AgentSettings.parseTolerations("[{\"operator\": \"Exists\"}]"))
            .build();
    PodSpec pod = desired(admin).getSpec().getTemplate().getSpec();

    assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
    assertThat(pod.getNodeSelector())
        .isEqualTo(Map.of("kubernetes.io/os", "linux", "role", "edge"));
    assertThat(pod.getTolerations())
        .extracting(t -> t.getOperator() + ":" + t.getKey())
        .containsExactly("Exists:null");
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
    assertThat(desired(settings).getSpec().getTemplate().getSpec())
        .satisfies(p -> assertThat(p.getPriorityClassName()).isNull());
  }

  @Test
  void placementSettingsAreReadFromTheChartsJson() {
    assertThat(AgentSettings.parseNodeSelector("{}")).isEmpty();
    assertThat(AgentSettings.parseNodeSelector("")).isEmpty();
    assertThat(AgentSettings.parseTolerations("[]")).isEmpty();
    assertThatThrownBy(() -> AgentSettings.parseNodeSelector("[\"role\"]"))
        .hasMessageContaining("node-selector must be a JSON object of node labels");
  }

  @Test
  void theAgentRunsWithAReadOnlyRootAndTheNodesProcesses() {
    PodSpec pod = desired(settings).getSpec().getTemplate().getSpec();
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

  @Test
  void theAgentKeepsItsPinsAndCheckpointOnTheHostForTheNextAgent() {
    PodSpec pod = desired(settings).getSpec().getTemplate().getSpec();
    Container agent = pod.getContainers().get(0);
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getHostPath() != null)
        .extracting(
            v -> v.getName() + " " + v.getHostPath().getPath() + " " + v.getHostPath().getType())
        .contains("bpffs /sys/fs/bpf Directory", "state /run/trafficmonitor DirectoryOrCreate");
    assertThat(agent.getVolumeMounts())
        .filteredOn(m -> m.getName().equals("bpffs") || m.getName().equals("state"))
        .extracting(m -> m.getName() + " " + m.getMountPath() + " " + m.getReadOnly())
        .containsExactly("bpffs /sys/fs/bpf null", "state /run/trafficmonitor null");
    assertThat(agent.getVolumeMounts())
        .allSatisfy(m -> assertThat(m.getMountPropagation()).isNull());
    Map<String, String> env = new HashMap<>();
    agent.getEnv().stream()
        .filter(e -> e.getValue() != null)
        .forEach(e -> env.put(e.getName(), e.getValue()));
    assertThat(env)
        .containsEntry("TM_BPF_PIN_DIR", "/sys/fs/bpf/trafficmonitor")
        .containsEntry("TM_STATE_DIR", "/run/trafficmonitor")
        .containsEntry("TM_DAEMONSET", "trafficmonitor-system/trafficmonitor-agent")
        .as("the operator pulls the agents' figures and writes every status")
        .containsEntry("TM_STATUS", "serve");
    // The pin directory is on the mounted bpffs, the checkpoint in the mounted state directory.
    assertThat(env.get("TM_BPF_PIN_DIR")).startsWith(AgentDaemonSet.BPF_FS + "/");
    // Still no more than the four capabilities, and a read-only root.
    assertThat(agent.getSecurityContext().getCapabilities().getAdd()).hasSize(4);
    assertThat(agent.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(agent.getSecurityContext().getPrivileged()).isFalse();
  }
}
