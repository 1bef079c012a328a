package io.trafficmonitor.trafficgen;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The generator's settings, from {@code --key value} flags and an optional {@code --config}
 * properties file with the same keys (flags win). Sizes take k/M/G (powers of 1000) and Ki/Mi/Gi;
 * rates take bit/s or B/s units; durations take ms, s, m, h.
 */
record Options(
    String mode,
    String protocol,
    InetSocketAddress address,
    long rateBitsPerSecond,
    int size,
    int responseSize,
    int connections,
    Duration duration,
    long totalBytes,
    long count,
    Duration latency,
    int sequenceOffset,
    long skipEvery,
    boolean quiet) {

  static final Set<String> KEYS =
      Set.of(
          "protocol",
          "target",
          "listen",
          "rate",
          "size",
          "response-size",
          "connections",
          "duration",
          "total",
          "count",
          "latency",
          "sequence-offset",
          "skip-every",
          "config",
          "quiet");

  static Options parse(String[] args) {
    if (args.length == 0 || !(args[0].equals("client") || args[0].equals("server"))) {
      throw new IllegalArgumentException("the first argument is client or server");
    }
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("expected a --flag, got " + a);
      }
      String key = a.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else if (key.equals("quiet")) {
        value = "true";
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("--" + key + " needs a value");
      }
      flags.put(key, value);
    }
    Map<String, String> all = new LinkedHashMap<>();
    if (flags.containsKey("config")) {
      all.putAll(readConfig(Path.of(flags.get("config"))));
    }
    all.putAll(flags);
    for (String k : all.keySet()) {
      if (!KEYS.contains(k)) {
        throw new IllegalArgumentException("unknown setting " + k + "; known: " + KEYS);
      }
    }
    String mode = args[0];
    String protocol = all.getOrDefault("protocol", "tcp").toLowerCase(Locale.ROOT);
    if (!Set.of("tcp", "udp", "http").contains(protocol)) {
      throw new IllegalArgumentException("protocol is tcp, udp or http, not " + protocol);
    }
    String where =
        mode.equals("client") ? all.get("target") : all.getOrDefault("listen", "0.0.0.0:5201");
    if (where == null) {
      throw new IllegalArgumentException("a client needs --target host:port");
    }
    Options o =
        new Options(
            mode,
            protocol,
            address(where),
            all.containsKey("rate") ? rate(all.get("rate")) : 0,
            (int) size(all.getOrDefault("size", protocol.equals("udp") ? "1000" : "16Ki")),
            (int) size(all.getOrDefault("response-size", "0")),
            Integer.parseInt(all.getOrDefault("connections", "1")),
            all.containsKey("duration") ? duration(all.get("duration")) : null,
            all.containsKey("total") ? size(all.get("total")) : 0,
            Long.parseLong(all.getOrDefault("count", "0")),
            duration(all.getOrDefault("latency", "0ms")),
            Integer.parseInt(all.getOrDefault("sequence-offset", "-1")),
            Long.parseLong(all.getOrDefault("skip-every", "0")),
            Boolean.parseBoolean(all.getOrDefault("quiet", "false")));
    o.check();
    return o;
  }

  private void check() {
    if (size <= 0 || (protocol.equals("udp") && size > 65507)) {
      throw new IllegalArgumentException("size must be 1..65507 for udp and positive otherwise");
    }
    if (connections < 1 || connections > 1024) {
      throw new IllegalArgumentException("connections must be 1..1024");
    }
    if (sequenceOffset >= 0
        && (!protocol.equals("udp") || connections != 1 || sequenceOffset + 4 > size)) {
      throw new IllegalArgumentException(
          "sequence-offset needs udp, one connection and offset + 4 <= size");
    }
    if (skipEvery < 0 || (skipEvery > 0 && (sequenceOffset < 0 || skipEvery < 2))) {
      throw new IllegalArgumentException("skip-every needs a sequence-offset and is at least 2");
    }
    if (mode.equals("client") && duration == null && totalBytes == 0 && count == 0) {
      throw new IllegalArgumentException("a client needs --duration, --total or --count");
    }
  }

  /** What the client stops at: bytes of payload (0: no limit). */
  long byteLimit() {
    long byCount = count > 0 ? count * size : 0;
    if (byCount > 0 && totalBytes > 0) {
      return Math.min(byCount, totalBytes);
    }
    return Math.max(byCount, totalBytes);
  }

  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("expected host:port, got " + hostPort);
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
  }

  static long size(String s) {
    String t = s.trim();
    long mult = 1;
    String[][] units = {
      {"Gi", "1073741824"},
      {"Mi", "1048576"},
      {"Ki", "1024"},
      {"G", "1000000000"},
      {"M", "1000000"},
      {"k", "1000"},
      {"K", "1000"}
    };
    if (t.endsWith("B")) {
      t = t.substring(0, t.length() - 1);
    }
    for (String[] u : units) {
      if (t.endsWith(u[0])) {
        mult = Long.parseLong(u[1]);
        t = t.substring(0, t.length() - u[0].length());
        break;
      }
    }
    return Math.round(Double.parseDouble(t) * mult);
  }

  /** A rate in bits per second: "10Mbit", "1.5Gbit", "500kbit", "2MB/s", "800" (bits). */
  static long rate(String s) {
    String t = s.trim();
    if (t.endsWith("B/s")) {
      return size(t.substring(0, t.length() - 3)) * 8;
    }
    if (t.endsWith("bit")) {
      t = t.substring(0, t.length() - 3);
    } else if (t.endsWith("bps")) {
      t = t.substring(0, t.length() - 3);
    }
    return size(t);
  }

  static Duration duration(String s) {
    String t = s.trim();
    if (t.endsWith("ms")) {
      return Duration.ofNanos(Math.round(Double.parseDouble(t.substring(0, t.length() - 2)) * 1e6));
    }
    char unit = t.charAt(t.length() - 1);
    double v = Double.parseDouble(t.substring(0, t.length() - 1));
    return switch (unit) {
      case 's' -> Duration.ofNanos(Math.round(v * 1e9));
      case 'm' -> Duration.ofNanos(Math.round(v * 60e9));
      case 'h' -> Duration.ofNanos(Math.round(v * 3600e9));
      default -> throw new IllegalArgumentException("a duration ends in ms, s, m or h: " + s);
    };
  }

  private static Map<String, String> readConfig(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config " + file + ": " + e.getMessage());
    }
    Map<String, String> m = new LinkedHashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k).trim()));
    return m;
  }
}
