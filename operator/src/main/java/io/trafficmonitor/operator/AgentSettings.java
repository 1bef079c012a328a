package io.trafficmonitor.operator;

import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Operator-wide settings of the agent pods, from configuration ({@code application.properties},
 * environment, system properties). The agent image and its resources belong to the operator's
 * installation, not to a TrafficMonitor.
 *
 * @param image the node-agent image
 * @param imagePullPolicy Always, IfNotPresent or Never
 * @param cpuRequest CPU request of an agent
 * @param memoryRequest memory request of an agent
 * @param cpuLimit CPU limit of an agent
 * @param memoryLimit memory limit of an agent; since Linux 5.11 it covers the agent's BPF maps too
 *     (charged to the memory cgroup that created them: ~13 MiB for the default 65,536 flows)
 * @param metricsPort port of the agent's /metrics and health endpoints, on the node's network
 * @param clusterRole ClusterRole bound to each agent's ServiceAccount in its namespace
 * @param flowValues how agents keep flow counters: auto, shared or per-cpu (the agent's {@code
 *     FLOW_VALUES}; see node-agent/README.md)
 */
public record AgentSettings(
    String image,
    String imagePullPolicy,
    String cpuRequest,
    String memoryRequest,
    String cpuLimit,
    String memoryLimit,
    int metricsPort,
    String clusterRole,
    String flowValues) {

  public AgentSettings {
    if (!java.util.List.of("auto", "shared", "per-cpu").contains(flowValues)) {
      throw new IllegalArgumentException(
          PREFIX + "flow-values must be auto, shared or per-cpu, not " + flowValues);
    }
  }

  public static final String PREFIX = "trafficmonitor.agent.";

  public static AgentSettings defaults() {
    return new AgentSettings(
        "ghcr.io/trafficmonitor/node-agent:0.1.0",
        "IfNotPresent",
        "50m",
        "200Mi",
        "500m",
        "288Mi",
        9400,
        "trafficmonitor-agent",
        "auto");
  }

  /** The settings from MicroProfile Config, falling back to {@link #defaults()}. */
  public static AgentSettings fromConfig() {
    Config c = ConfigProvider.getConfig();
    AgentSettings d = defaults();
    return new AgentSettings(
        get(c, "image").orElse(d.image),
        get(c, "image-pull-policy").orElse(d.imagePullPolicy),
        get(c, "resources.requests.cpu").orElse(d.cpuRequest),
        get(c, "resources.requests.memory").orElse(d.memoryRequest),
        get(c, "resources.limits.cpu").orElse(d.cpuLimit),
        get(c, "resources.limits.memory").orElse(d.memoryLimit),
        get(c, "metrics-port").map(Integer::parseInt).orElse(d.metricsPort),
        get(c, "cluster-role").orElse(d.clusterRole),
        get(c, "flow-values").orElse(d.flowValues));
  }

  private static Optional<String> get(Config c, String key) {
    return c.getOptionalValue(PREFIX + key, String.class);
  }

  private static final class Holder {
    static final AgentSettings CURRENT = fromConfig();
  }

  /** The settings of this process, read once. */
  public static AgentSettings current() {
    return Holder.CURRENT;
  }
}
