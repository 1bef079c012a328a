package io.trafficmonitor.agent;

import java.util.Map;

/** Reads values out of Prometheus text exposition. */
public final class Scrape {
  private Scrape() {}

  /** Sum of the samples of {@code name} whose labels include all of {@code labels}. */
  public static double sum(String text, String name, Map<String, String> labels) {
    double sum = 0;
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      int close = line.lastIndexOf('}');
      String labelPart = close < 0 ? "" : line.substring(name.length(), close + 1);
      if (carries(labelPart, labels)) {
        String value = line.substring(close < 0 ? name.length() : close + 1).trim().split(" ")[0];
        sum += Double.parseDouble(value);
      }
    }
    return sum;
  }

  /** True when some sample of {@code name} carries all of {@code labels}. */
  public static boolean has(String text, String name, Map<String, String> labels) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{") && carries(line.substring(name.length()), labels)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code {a="x",b="y"}} carries all of {@code labels}, each under its exact name (not
   * {@code namespace} for {@code pod_namespace}).
   */
  private static boolean carries(String labelPart, Map<String, String> labels) {
    for (var e : labels.entrySet()) {
      String pair = e.getKey() + "=\"" + e.getValue() + "\"";
      if (!labelPart.startsWith("{" + pair) && !labelPart.contains("," + pair)) {
        return false;
      }
    }
    return true;
  }
}
