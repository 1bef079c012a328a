package io.trafficmonitor.operator.model;

import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of the objects made for a TrafficMonitor, and of what the operator manages. */
public final class Names {

  public static final String MANAGED_BY = "trafficmonitor-operator";
  public static final String MONITOR_LABEL = "trafficmonitor.io/monitor";
  public static final String MANAGED_SELECTOR = "app.kubernetes.io/managed-by=" + MANAGED_BY;

  private static final int DNS_LABEL = 63;

  private Names() {}

  /** The PrometheusRule. */
  public static String rule(TrafficMonitor tm) {
    return bounded("trafficmonitor-" + tm.getMetadata().getName());
  }

  /** Labels of the objects made for a monitor (its PrometheusRule). */
  public static Map<String, String> labels(TrafficMonitor tm) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MONITOR_LABEL, bounded(tm.getMetadata().getName()));
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
