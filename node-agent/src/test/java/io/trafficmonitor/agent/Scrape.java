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
      boolean all = true;
      for (var e : labels.entrySet()) {
        if (!labelPart.contains(e.getKey() + "=\"" + e.getValue() + "\"")) {
          all = false;
          break;
        }
      }
      if (all) {
        String value = line.substring(close < 0 ? name.length() : close + 1).trim().split(" ")[0];
        sum += Double.parseDouble(value);
      }
    }
    return sum;
  }

  /** True when some sample of {@code name} carries all of {@code labels}. */
  public static boolean has(String text, String name, Map<String, String> labels) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{")
          && labels.entrySet().stream()
              .allMatch(e -> line.contains(e.getKey() + "=\"" + e.getValue() + "\""))) {
        return true;
      }
    }
    return false;
  }
}
