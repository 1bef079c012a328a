package io.trafficmonitor.api.agent;

/**
 * The environment through which the operator's DaemonSet configures the node agent: the one list of
 * names that both sides use (the operator's {@code AgentDaemonSet} writes them, the agent's {@code
 * AgentConfig} reads them; node-agent/README.md describes each).
 */
public final class AgentEnvironment {
  private AgentEnvironment() {}

  /** The node the agent runs on (downward API spec.nodeName); the only one required. */
  public static final String NODE_NAME = "NODE_NAME";

  /** The agent pod's name (downward API metadata.name). */
  public static final String POD_NAME = "POD_NAME";

  /** HTTP port of /metrics, /api/v1/status and the health checks. */
  public static final String METRICS_PORT = "TM_METRICS_PORT";

  /**
   * PEM file of the agent's serving certificate (the chain, as a kubernetes.io/tls Secret's {@code
   * tls.crt}). With it the agent serves HTTPS only on {@link #METRICS_PORT}; without it, plain
   * HTTP.
   */
  public static final String TLS_CERT_FILE = "TM_TLS_CERT_FILE";

  /** PEM file of the private key of {@link #TLS_CERT_FILE} ({@code tls.key}). */
  public static final String TLS_KEY_FILE = "TM_TLS_KEY_FILE";

  /** How flow counters are kept in the kernel: auto, shared or per-cpu. */
  public static final String FLOW_VALUES = "FLOW_VALUES";

  /**
   * The agent's series budget: samples of monitor series it exports at most, over all monitors
   * (docs/metrics.md, "Cardinality budget").
   */
  public static final String MAX_SERIES = "TM_MAX_SERIES";

  /**
   * The series budget when none is set, the agent's and the operator's (the chart's {@code
   * agent.maxSeries} repeats it): 125 pods of one monitor at both hooks, with TCP, ~16 MiB of the
   * agent's 64 MiB heap at a scrape (docs/benchmarks/cardinality.md).
   */
  public static final int DEFAULT_MAX_SERIES = 25_000;

  /** The smallest series budget either side accepts. */
  public static final int MIN_MAX_SERIES = 100;

  /** bpffs directory under which the agent pins its maps and links. */
  public static final String BPF_PIN_DIR = "TM_BPF_PIN_DIR";

  /** Directory (a host tmpfs) of the agent's checkpoint. */
  public static final String STATE_DIR = "TM_STATE_DIR";

  /** namespace/name of the agent's DaemonSet (gone at shutdown: an uninstall). */
  public static final String DAEMONSET = "TM_DAEMONSET";

  /** Who writes the monitors' status: {@link #STATUS_WRITE} or {@link #STATUS_SERVE}. */
  public static final String STATUS = "TM_STATUS";

  /** The agent writes its own status.nodes entry (an agent without the operator; the default). */
  public static final String STATUS_WRITE = "write";

  /** The agent serves its entries on {@link AgentReport#PATH}; the operator writes the status. */
  public static final String STATUS_SERVE = "serve";

  /**
   * The agent's JVM options (JAVA_TOOL_OPTIONS of the DaemonSet; the tests and benchmarks that run
   * the packaged agent use them too): a fixed, small heap, the serial GC and the C1 compiler only
   * keep its RSS low (docs/benchmarks/monitors.md: 161 MiB with one monitor, 198 with 100; C2's
   * code and arenas add ~33 MiB, for a 100,000-flow collection ~25 % faster).
   */
  public static final String JVM_OPTIONS =
      "-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=48m -Xss512k";
}
