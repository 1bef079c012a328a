package io.trafficmonitor.plugin;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Numbers for people: rates with SI prefixes, durations, record ends, as kubectl prints them. */
public final class Units {
  private static final String[] PREFIX = {"", "k", "M", "G", "T", "P"};
  private static final DateTimeFormatter END =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

  private Units() {}

  /** Bits per second of {@code bytes} over {@code nanos}; 0 when the span is 0. */
  public static double bitsPerSecond(long bytes, long nanos) {
    return nanos <= 0 ? 0 : bytes * 8e9 / nanos;
  }

  /** Per second of {@code count} over {@code nanos}; 0 when the span is 0. */
  public static double perSecond(long count, long nanos) {
    return nanos <= 0 ? 0 : count * 1e9 / nanos;
  }

  /** "1.50 Mbit/s", "812 bit/s": three significant digits. */
  public static String bits(double perSecond) {
    return si(perSecond) + "bit/s";
  }

  /** "1.50 k", "12.0 ", "0 ": a count per second, three significant digits. */
  public static String si(double value) {
    int i = 0;
    double v = Math.abs(value);
    while (v >= 999.5 && i < PREFIX.length - 1) {
      v /= 1000;
      i++;
    }
    v = Math.copySign(v, value);
    String digits;
    if (v == 0) {
      digits = "0";
    } else if (i == 0 && v == Math.rint(v)) {
      digits = String.format(Locale.ROOT, "%.0f", v);
    } else if (Math.abs(v) < 9.995) {
      digits = String.format(Locale.ROOT, "%.2f", v);
    } else if (Math.abs(v) < 99.95) {
      digits = String.format(Locale.ROOT, "%.1f", v);
    } else {
      digits = String.format(Locale.ROOT, "%.0f", v);
    }
    return digits + " " + PREFIX[i];
  }

  /** "10ms", "1.5s", "2m0s": a Go-like duration, as the spec writes intervals. */
  public static String duration(long nanos) {
    if (nanos < 1_000_000) {
      return nanos < 1_000 ? nanos + "ns" : trim(nanos / 1e3) + "us";
    }
    if (nanos < 1_000_000_000) {
      return trim(nanos / 1e6) + "ms";
    }
    Duration d = Duration.ofNanos(nanos);
    if (d.toMinutes() == 0) {
      return trim(nanos / 1e9) + "s";
    }
    return (d.toHours() > 0 ? d.toHours() + "h" : "")
        + d.toMinutesPart()
        + "m"
        + d.toSecondsPart()
        + "s";
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.3f", v);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  /** An RFC 3339 time in UTC to the millisecond; the text itself when it is not one. */
  public static String end(String rfc3339) {
    try {
      return END.format(OffsetDateTime.parse(rfc3339).withOffsetSameInstant(ZoneOffset.UTC));
    } catch (RuntimeException e) {
      return String.valueOf(rfc3339);
    }
  }
}
