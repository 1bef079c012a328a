package io.trafficmonitor.api.v1alpha1;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Go-style durations of the spec ({@code 10ms}, {@code 1s}, {@code 1m30s}) as the API
 * server's CEL {@code duration()} does, for the operator and the agents.
 */
public final class GoDuration {
  private static final Pattern WHOLE = Pattern.compile(Cel.DURATION_RE);
  private static final Pattern PART = Pattern.compile("([0-9]+(?:[.][0-9]+)?)(ns|us|ms|s|m|h)");

  private GoDuration() {}

  /** Parses {@code text}; throws IllegalArgumentException when it is not a duration. */
  public static Duration parse(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) {
      throw new IllegalArgumentException("not a duration such as 10ms, 1s or 1m30s: " + text);
    }
    double nanos = 0;
    Matcher m = PART.matcher(text);
    while (m.find()) {
      double value = Double.parseDouble(m.group(1));
      nanos +=
          value
              * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
              };
    }
    return Duration.ofNanos(Math.round(nanos));
  }

  /** Parses {@code text}, or returns {@code fallback} when it is missing or malformed. */
  public static Duration parseOr(String text, Duration fallback) {
    try {
      return text == null ? fallback : parse(text);
    } catch (IllegalArgumentException e) {
      return fallback;
    }
  }
}
