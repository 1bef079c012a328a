package io.trafficmonitor.agent;

import io.trafficmonitor.agent.target.CgroupLayout;
import io.trafficmonitor.api.agent.AgentEnvironment;
import io.trafficmonitor.api.v1alpha1.GoDuration;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the DaemonSet tells the agent through its environment (the names the operator writes are
 * {@link AgentEnvironment}'s). Only {@code NODE_NAME} is required: the agent serves every
 * TrafficMonitor that selects its node.
 *
 * <pre>
 * NODE_NAME            the node this agent runs on (downward API spec.nodeName)
 * TM_WATCH_NAMESPACE   serve only the TrafficMonitors of this namespace (default: all namespaces)
 * STATUS_PERIOD        overrides spec.statusInterval (Go duration, e.g. 10s; alias STATUS_INTERVAL)
 * TM_METRICS_PORT      HTTP port of /metrics and /q/health (alias METRICS_PORT; default 9464)
 * TM_TLS_CERT_FILE     PEM serving certificate (and TM_TLS_KEY_FILE, its key): the port speaks HTTPS
 *                      only (app.AgentTls; default: plain HTTP)
 * HOST_PROC            the host's /proc (default /host/proc when mounted, else /proc)
 * CGROUP_ROOT          cgroup v2 mount (default: found in /proc/self/mountinfo)
 * CGROUP_DRIVER        systemd | cgroupfs | auto (default auto: whichever layout exists)
 * NODE_NETNS           network namespace file of the node (default: the agent's own; another one
 *                      is entered, which needs CAP_SYS_ADMIN: the test rig's setting)
 * TC_MODE              auto | tcx | clsact (default auto)
 * FLOW_VALUES          auto | shared | per-cpu: how flow counters are stored (default auto: per CPU
 *                      while CPUs x flows.maxTracked x 80 bytes fits 32 MiB)
 * RESYNC_INTERVAL      how often targets are re-resolved without an event (default 5s)
 * TM_BPF_PIN_DIR       bpffs directory under which (in a directory named after the node) the flow
 *                      maps and attachments are pinned, so that they outlive the agent and the next
 *                      one adopts them (default: nothing pinned)
 * TM_STATE_DIR         directory (a host tmpfs) under which (named after the node) the agent keeps
 *                      its checkpoint, which the next agent continues from (default: none; needs
 *                      TM_BPF_PIN_DIR to matter)
 * TM_DAEMONSET         namespace/name of the agent's DaemonSet: when it is gone or being deleted at
 *                      shutdown, the agent removes its pins (an uninstall), else it keeps them
 * TM_STATUS           write | serve: whether the agent writes its entry into each monitor's
 *                      status.nodes itself (write, the default: an agent without an operator), or
 *                      only serves its entries on GET /api/v1/status, from which the operator pulls
 *                      them and writes each monitor's status once per statusInterval (serve: what
 *                      the operator's DaemonSet sets)
 * TM_MAX_SERIES        samples of monitor series exported at most, over all monitors (default
 *                      AgentEnvironment.DEFAULT_MAX_SERIES, the chart's agent.maxSeries; at least
 *                      100; see docs/metrics.md, "Cardinality budget")
 * TM_NATIVE_DIR        where the JNI library is extracted (read by io.trafficmonitor.bpf.Native;
 *                      default java.io.tmpdir, then /dev/shm)
 * </pre>
 */
public record AgentConfig(
    String nodeName,
    Optional<String> watchNamespace,
    Optional<Duration> statusInterval,
    Optional<Path> cgroupRoot,
    CgroupLayout.Driver cgroupDriver,
    Optional<Path> nodeNetns,
    String tcMode,
    FlowDatapath.ValueMode flowValues,
    Duration resyncInterval,
    Path hostProc,
    Optional<Path> pinDir,
    Optional<Path> stateDir,
    Optional<String> daemonSet,
    boolean writesStatus,
    int maxSeries) {

  /** The field manager of this agent's status entry. */
  public String fieldManager() {
    return "trafficmonitor-agent-" + nodeName;
  }

  public static AgentConfig fromEnv() {
    return from(System.getenv());
  }

  public static AgentConfig from(Map<String, String> env) {
    return new AgentConfig(
        required(env, AgentEnvironment.NODE_NAME),
        optional(env, "TM_WATCH_NAMESPACE"),
        optional(env, "STATUS_PERIOD")
            .or(() -> optional(env, "STATUS_INTERVAL"))
            .map(GoDuration::parse),
        optional(env, "CGROUP_ROOT").map(Path::of),
        CgroupLayout.Driver.parse(optional(env, "CGROUP_DRIVER").orElse("auto")),
        optional(env, "NODE_NETNS").map(Path::of),
        optional(env, "TC_MODE").orElse("auto"),
        flowValues(optional(env, AgentEnvironment.FLOW_VALUES).orElse("auto")),
        optional(env, "RESYNC_INTERVAL").map(GoDuration::parse).orElse(Duration.ofSeconds(5)),
        optional(env, "HOST_PROC")
            .map(Path::of)
            .orElseGet(
                () ->
                    Files.isDirectory(Path.of("/host/proc/1"))
                        ? Path.of("/host/proc")
                        : Path.of("/proc")),
        // one directory per node: nodes of a test rig share one kernel (and one host /run)
        optional(env, AgentEnvironment.BPF_PIN_DIR)
            .map(d -> Path.of(d, required(env, AgentEnvironment.NODE_NAME))),
        optional(env, AgentEnvironment.STATE_DIR)
            .map(d -> Path.of(d, required(env, AgentEnvironment.NODE_NAME))),
        optional(env, AgentEnvironment.DAEMONSET),
        writesStatus(optional(env, AgentEnvironment.STATUS).orElse(AgentEnvironment.STATUS_WRITE)),
        optional(env, AgentEnvironment.MAX_SERIES)
            .map(AgentConfig::maxSeries)
            .orElse(AgentEnvironment.DEFAULT_MAX_SERIES));
  }

  private static int maxSeries(String v) {
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < AgentEnvironment.MIN_MAX_SERIES) {
      throw new IllegalArgumentException(
          AgentEnvironment.MAX_SERIES
              + " must be a whole number of at least "
              + AgentEnvironment.MIN_MAX_SERIES
              + ", not "
              + v);
    }
    return n;
  }

  private static boolean writesStatus(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case AgentEnvironment.STATUS_WRITE -> true;
      case AgentEnvironment.STATUS_SERVE -> false;
      default -> throw new IllegalArgumentException("TM_STATUS must be write or serve, not " + v);
    };
  }

  private static FlowDatapath.ValueMode flowValues(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "auto" -> FlowDatapath.ValueMode.AUTO;
      case "shared" -> FlowDatapath.ValueMode.SHARED;
      case "per-cpu", "percpu" -> FlowDatapath.ValueMode.PER_CPU;
      default ->
          throw new IllegalArgumentException(
              "FLOW_VALUES must be auto, shared or per-cpu, not " + v);
    };
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
