package io.trafficmonitor.operator.model;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Names and labels of the objects made for a monitor (a TrafficMonitor or a ClusterTrafficMonitor),
 * and of what the operator manages.
 */
public final class Names {

  public static final String MANAGED_BY = "trafficmonitor-operator";
  public static final String MANAGED_SELECTOR = "app.kubernetes.io/managed-by=" + MANAGED_BY;

  /** Label of a TrafficMonitor's objects: the monitor's name (in its own namespace). */
  public static final String MONITOR_LABEL = "trafficmonitor.io/monitor";

  /** Label of a ClusterTrafficMonitor's objects (in the operator's namespace): its name. */
  public static final String CLUSTER_MONITOR_LABEL = "trafficmonitor.io/cluster-monitor";

  /** The operator's objects of TrafficMonitors. */
  public static final String MONITOR_SELECTOR = MANAGED_SELECTOR + "," + MONITOR_LABEL;

  /** The operator's objects of ClusterTrafficMonitors. */
  public static final String CLUSTER_MONITOR_SELECTOR =
      MANAGED_SELECTOR + "," + CLUSTER_MONITOR_LABEL;

  private static final int DNS_LABEL = 63;

  private Names() {}

  /** Whether {@code monitor} is a ClusterTrafficMonitor (cluster-scoped). */
  public static boolean clusterScoped(HasMetadata monitor) {
    return !(monitor instanceof Namespaced);
  }

  /**
   * The PrometheusRule: {@code trafficmonitor-<name>} beside a TrafficMonitor, {@code
   * clustertrafficmonitor-<name>} in the operator's namespace for a ClusterTrafficMonitor (which
   * never collides with a TrafficMonitor of that namespace).
   */
  public static String rule(HasMetadata monitor) {
    return bounded(
        (clusterScoped(monitor) ? "clustertrafficmonitor-" : "trafficmonitor-")
            + monitor.getMetadata().getName());
  }

  /** Labels of the objects made for a monitor (its PrometheusRule). */
  public static Map<String, String> labels(HasMetadata monitor) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(
        clusterScoped(monitor) ? CLUSTER_MONITOR_LABEL : MONITOR_LABEL,
        bounded(monitor.getMetadata().getName()));
    labels.put("app.kubernetes.io/component", "alerts");
    labels.put("app.kubernetes.io/part-of", "trafficmonitor");
    labels.put("app.kubernetes.io/managed-by", MANAGED_BY);
    return labels;
  }

  /** {@code name} if it fits a DNS label (63), else a prefix of it and a hash of the whole. */
  static String bounded(String name) {
    if (name.length() <= DNS_LABEL) {
      return name;
    }
    String hash = sha256(name).substring(0, 8);
    String head = name.substring(0, DNS_LABEL - hash.length() - 1);
    while (head.endsWith("-") || head.endsWith(".")) {
      head = head.substring(0, head.length() - 1);
    }
    return head + "-" + hash;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
