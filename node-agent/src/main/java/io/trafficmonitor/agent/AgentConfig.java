package io.trafficmonitor.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What the DaemonSet tells the agent through its environment. Only {@code NODE_NAME}, {@code
 * MONITOR_NAMESPACE} and {@code MONITOR_NAME} are required.
 *
 * <pre>
 * NODE_NAME            the node this agent runs on (downward API spec.nodeName)
 * MONITOR_NAMESPACE    namespace of the TrafficMonitor
 * MONITOR_NAME         name of the TrafficMonitor
 * STATUS_PERIOD        overrides spec.statusInterval (Go duration, e.g. 10s; alias STATUS_INTERVAL)
 * METRICS_PORT         HTTP port of /metrics and /q/health (default 9464; Quarkus wiring only)
 * CGROUP_ROOT          cgroup v2 mount (default: found in /proc/self/mountinfo)
 * CGROUP_DRIVER        systemd | cgroupfs | auto (default auto: whichever layout exists)
 * NODE_NETNS           network namespace file of the node (default: the agent's own)
 * TC_MODE              auto | tcx | clsact (default auto)
 * RESYNC_INTERVAL      how often targets are re-resolved without an event (default 5s)
 * </pre>
 */
public record AgentConfig(
    String nodeName,
    String monitorNamespace,
    String monitorName,
    Optional<Duration> statusInterval,
    Optional<Path> cgroupRoot,
    CgroupLayout.Driver cgroupDriver,
    Optional<Path> nodeNetns,
    String tcMode,
    Duration resyncInterval) {

  /** The field manager of this agent's status entry. */
  public String fieldManager() {
    return "trafficmonitor-agent-" + nodeName;
  }

  public static AgentConfig fromEnv() {
    return from(System.getenv());
  }

  public static AgentConfig from(Map<String, String> env) {
    return new AgentConfig(
        required(env, "NODE_NAME"),
        required(env, "MONITOR_NAMESPACE"),
        required(env, "MONITOR_NAME"),
        optional(env, "STATUS_PERIOD")
            .or(() -> optional(env, "STATUS_INTERVAL"))
            .map(Durations::parse),
        optional(env, "CGROUP_ROOT").map(Path::of),
        CgroupLayout.Driver.parse(optional(env, "CGROUP_DRIVER").orElse("auto")),
        optional(env, "NODE_NETNS").map(Path::of),
        optional(env, "TC_MODE").orElse("auto"),
        optional(env, "RESYNC_INTERVAL").map(Durations::parse).orElse(Duration.ofSeconds(5)));
  }

  private static String required(Map<String, String> env, String name) {
    return optional(env, name)
        .orElseThrow(() -> new IllegalArgumentException("environment variable " + name + " unset"));
  }

  private static Optional<String> optional(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }
}
