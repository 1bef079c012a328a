package io.trafficmonitor.operator;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Toleration;
import io.trafficmonitor.access.AgentTrust;
import io.trafficmonitor.api.agent.AgentEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Settings of the agent pods, from configuration (environment, system properties; the chart sets
 * every one). The agent image, its resources and where agents run belong to the operator's
 * installation (the cluster admin), not to a TrafficMonitor: a monitor's nodeSelector and
 * tolerations only narrow the nodes it covers among those running an agent. The defaults live here
 * and nowhere else (but for the series budget's, which the agent shares: {@link
 * AgentEnvironment#DEFAULT_MAX_SERIES}); the chart's values.yaml repeats them for the user to read
 * and change.
 *
 * @param image the node-agent image
 * @param imagePullPolicy Always, IfNotPresent or Never
 * @param cpuRequest CPU request of an agent
 * @param memoryRequest memory request of an agent
 * @param cpuLimit CPU limit of an agent
 * @param memoryLimit memory limit of an agent; since Linux 5.11 it covers the agent's BPF maps too
 *     (charged to the memory cgroup that created them: ~13 MiB for the default 65,536 flows)
 * @param metricsPort port of the agent's /metrics and health endpoints, on the node's network
 * @param serviceAccount ServiceAccount of the agent pods, in the operator's namespace (the chart
 *     creates it and binds it to the agents' ClusterRole)
 * @param flowValues how agents keep flow counters: auto, shared or per-cpu (the agent's {@code
 *     FLOW_VALUES}; see node-agent/README.md)
 * @param maxSeries each agent's series budget: samples of monitor series it exports at most (the
 *     agent's {@code TM_MAX_SERIES}; default {@link AgentEnvironment#DEFAULT_MAX_SERIES}, which the
 *     agent shares; see docs/metrics.md, "Cardinality budget")
 * @param priorityClassName priority class of the agent pods; empty for none
 * @param nodeSelector labels a node must have to run an agent, besides {@code kubernetes.io/os:
 *     linux}
 * @param tolerations tolerations of the agent pods, so that agents run on tainted nodes too
 * @param architectures the node architectures ({@code kubernetes.io/arch}) the agent image and its
 *     JNI library are built for: agents are kept off other nodes
 * @param tlsSecret the kubernetes.io/tls Secret, in the operator's namespace, of the agents'
 *     serving certificate (the chart's {@code <release>-agent-tls}): mounted into every agent,
 *     which then serves HTTPS only; empty: plain HTTP (docs/metrics.md, "TLS on the agent port")
 * @param tlsServerName the DNS name the agents' certificate is for (the agent metrics Service's),
 *     which the operator expects instead of the agent's address
 * @param tlsCaFile the CA of the agents' certificate as the operator reads it (the chart mounts the
 *     Secret's {@code ca.crt} here)
 */
public record AgentSettings(
    String image,
    String imagePullPolicy,
    String cpuRequest,
    String memoryRequest,
    String cpuLimit,
    String memoryLimit,
    int metricsPort,
    String serviceAccount,
    String flowValues,
    int maxSeries,
    String priorityClassName,
    Map<String, String> nodeSelector,
    List<Toleration> tolerations,
    List<String> architectures,
    String tlsSecret,
    String tlsServerName,
    String tlsCaFile) {

  public static final String PREFIX = "trafficmonitor.agent.";

  /** The image repository of the agent when the chart does not name one. */
  public static final String DEFAULT_REPOSITORY = "localhost/trafficmonitor/node-agent";

  /** Where the chart mounts the CA of the agents' certificate into the operator. */
  public static final String DEFAULT_TLS_CA_FILE = "/etc/trafficmonitor/agent-ca/ca.crt";

  private static final ObjectMapper JSON = new ObjectMapper();

  public AgentSettings {
    if (!List.of("auto", "shared", "per-cpu").contains(flowValues)) {
      throw new IllegalArgumentException(
          PREFIX + "flow-values must be auto, shared or per-cpu, not " + flowValues);
    }
    if (maxSeries < AgentEnvironment.MIN_MAX_SERIES) {
      throw new IllegalArgumentException(
          PREFIX
              + "max-series must be at least "
              + AgentEnvironment.MIN_MAX_SERIES
              + ", not "
              + maxSeries);
    }
    if (!tlsSecret.isEmpty() && tlsServerName.isEmpty()) {
      throw new IllegalArgumentException(PREFIX + "tls.server-name must be set with tls.secret");
    }
    if (architectures.isEmpty()) {
      throw new IllegalArgumentException(PREFIX + "architectures must name at least one");
    }
    nodeSelector = Map.copyOf(nodeSelector);
    tolerations = List.copyOf(tolerations);
    architectures = List.copyOf(architectures);
  }

  /** Whether the agents serve HTTPS (with the certificate of {@link #tlsSecret}). */
  public boolean tls() {
    return !tlsSecret.isEmpty();
  }

  /**
   * The TLS context for calling the agents (their chain to {@link #tlsCaFile}, their name {@link
   * #tlsServerName}); null when they serve plain HTTP.
   */
  public SSLContext agentTls() {
    return tls() ? AgentTrust.context(Path.of(tlsCaFile), tlsServerName) : null;
  }

  /** The version of this build: the jars', the images' and the chart's. */
  public static String version() {
    try (InputStream in = AgentSettings.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        throw new IllegalStateException("version.properties missing from the operator's jar");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the operator's version.properties", e);
    }
  }

  public static AgentSettings defaults() {
    return new AgentSettings(
        DEFAULT_REPOSITORY + ":" + version(),
        "IfNotPresent",
        "50m",
        "200Mi",
        "500m",
        "288Mi",
        9400,
        "trafficmonitor-agent",
        "auto",
        AgentEnvironment.DEFAULT_MAX_SERIES,
        "",
        Map.of(),
        List.of(),
        List.of("amd64"),
        "",
        "",
        DEFAULT_TLS_CA_FILE);
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
        get(c, "service-account").orElse(d.serviceAccount),
        get(c, "flow-values").orElse(d.flowValues),
        get(c, "max-series").map(Integer::parseInt).orElse(d.maxSeries),
        get(c, "priority-class-name").orElse(d.priorityClassName),
        get(c, "node-selector").map(AgentSettings::parseNodeSelector).orElse(d.nodeSelector),
        get(c, "tolerations").map(AgentSettings::parseTolerations).orElse(d.tolerations),
        get(c, "architectures")
            .map(s -> Arrays.stream(s.split(",")).map(String::trim).filter(a -> !a.isEmpty()))
            .map(a -> a.toList())
            .orElse(d.architectures),
        get(c, "tls.secret").orElse(d.tlsSecret),
        get(c, "tls.server-name").orElse(d.tlsServerName),
        get(c, "tls.ca-file").orElse(d.tlsCaFile));
  }

  /** Tolerations from their JSON list (the chart passes {@code agent.tolerations} so). */
  public static List<Toleration> parseTolerations(String json) {
    List<Toleration> tolerations =
        parse(json, new TypeReference<>() {}, "tolerations", "a JSON list of tolerations");
    return tolerations == null ? List.of() : tolerations;
  }

  /** Node labels from their JSON object (the chart passes {@code agent.nodeSelector} so). */
  public static Map<String, String> parseNodeSelector(String json) {
    Map<String, String> labels =
        parse(json, new TypeReference<>() {}, "node-selector", "a JSON object of node labels");
    return labels == null ? Map.of() : labels;
  }

  /** {@code json} read as {@code type}; null when blank or JSON null. */
  private static <T> T parse(String json, TypeReference<T> type, String key, String what) {
    if (json.isBlank()) {
      return null;
    }
    try {
      return JSON.readValue(json, type);
    } catch (IOException e) {
      throw new UncheckedIOException(PREFIX + key + " must be " + what + ": " + e.getMessage(), e);
    }
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
