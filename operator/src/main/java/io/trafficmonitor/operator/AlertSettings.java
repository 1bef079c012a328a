package io.trafficmonitor.operator;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.v1alpha1.GoDuration;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * How the operator writes each monitor's PrometheusRule, from configuration (the chart sets every
 * one from its {@code prometheusRule} values, env {@code TRAFFICMONITOR_ALERTS_*}).
 *
 * @param bandwidthWindow the window of the rate compared with {@code maxBytesPerSecond}
 * @param ratioWindow the window of the loss and retransmit ratios
 * @param runbooks the address of docs/runbooks.md as the users read it; each alert's {@code
 *     runbook_url} is this with the alert's anchor
 * @param labels labels on every rule the operator writes, so that a Prometheus' ruleSelector picks
 *     them up (kube-prometheus-stack selects {@code release: <its release>})
 */
public record AlertSettings(
    Duration bandwidthWindow, Duration ratioWindow, String runbooks, Map<String, String> labels) {

  public static final String PREFIX = "trafficmonitor.alerts.";

  /** The runbooks as published with the sources. */
  public static final String DEFAULT_RUNBOOKS =
      "https://github.com/trafficmonitor/trafficmonitor/blob/main/docs/runbooks.md";

  public AlertSettings {
    if (bandwidthWindow.isNegative() || bandwidthWindow.isZero()) {
      throw new IllegalArgumentException(PREFIX + "bandwidth-window must be a positive duration");
    }
    if (ratioWindow.isNegative() || ratioWindow.isZero()) {
      throw new IllegalArgumentException(PREFIX + "ratio-window must be a positive duration");
    }
    labels = Map.copyOf(labels);
  }

  public static AlertSettings defaults() {
    return new AlertSettings(
        Duration.ofMinutes(1), Duration.ofMinutes(5), DEFAULT_RUNBOOKS, Map.of());
  }

  /** The same with other windows (tests that cannot wait minutes). */
  public AlertSettings withWindows(Duration bandwidth, Duration ratio) {
    return new AlertSettings(bandwidth, ratio, runbooks, labels);
  }

  /** The settings from MicroProfile Config, falling back to {@link #defaults()}. */
  public static AlertSettings fromConfig() {
    Config c = ConfigProvider.getConfig();
    AlertSettings d = defaults();
    return new AlertSettings(
        c.getOptionalValue(PREFIX + "bandwidth-window", String.class)
            .map(v -> duration(v, "bandwidth-window"))
            .orElse(d.bandwidthWindow),
        c.getOptionalValue(PREFIX + "ratio-window", String.class)
            .map(v -> duration(v, "ratio-window"))
            .orElse(d.ratioWindow),
        c.getOptionalValue(PREFIX + "runbooks", String.class).orElse(d.runbooks),
        c.getOptionalValue(PREFIX + "labels", String.class)
            .filter(v -> !v.isBlank())
            .map(AlertSettings::labels)
            .orElse(d.labels));
  }

  private static Duration duration(String value, String key) {
    try {
      return GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          PREFIX + key + " must be a duration such as 1m or 30s, not \"" + value + "\"", e);
    }
  }

  private static Map<String, String> labels(String json) {
    try {
      return Serialization.unmarshal(json, new TypeReference<Map<String, String>>() {});
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          PREFIX
              + "labels must be a JSON object of strings, such as {\"release\": \"kps\"}: "
              + json,
          e);
    }
  }

  private static final class Holder {
    static final AlertSettings CURRENT = fromConfig();
  }

  /** The settings of this process, read once. */
  public static AlertSettings current() {
    return Holder.CURRENT;
  }
}
