package io.trafficmonitor.trafficgen;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The generator's settings, from {@code --key value} flags and an optional {@code --config} TOML
 * file with the same keys (flags win; see {@link ConfigFile}). Sizes take k/M/G (powers of 1000)
 * and Ki/Mi/Gi; rates take bit/s or B/s units; durations take ms, s, m, h.
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
    boolean quiet,
    boolean insecure) {

  /** Settings that both modes use. */
  static final Set<String> SHARED =
      Set.of("protocol", "duration", "latency", "response-size", "quiet");

  /** Settings of the client only. */
  static final Set<String> CLIENT =
      Set.of(
          "target",
          "rate",
          "size",
          "connections",
          "total",
          "count",
          "sequence-offset",
          "skip-every",
          "insecure");

  /** Settings of the server only. */
  static final Set<String> SERVER = Set.of("listen");

  /** Every flag: the settings and --config. */
  static final Set<String> KEYS = keys();

  private static Set<String> keys() {
    Set<String> all = new TreeSet<>(SHARED);
    all.addAll(CLIENT);
    all.addAll(SERVER);
    all.add("config");
    return Collections.unmodifiableSet(all);
  }

  /** Flags that need no value: --quiet means --quiet=true. */
  private static final Set<String> SWITCHES = Set.of("quiet", "insecure");

  /** One setting's text and where it came from ("--rate", "load.toml:7: rate ="), for messages. */
  record Setting(String value, String where) {}

  static Options parse(String[] args) {
    if (args.length == 0 || !(args[0].equals("client") || args[0].equals("server"))) {
      throw new IllegalArgumentException("the first argument is client or server");
    }
    String mode = args[0];
    Map<String, Setting> flags = new LinkedHashMap<>();
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
      } else if (SWITCHES.contains(key)) {
        value = "true";
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("--" + key + " needs a value");
      }
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown setting " + key + "; known: " + KEYS);
      }
      flags.put(key, new Setting(value, "--" + key));
    }
    Map<String, Setting> all = new LinkedHashMap<>();
    if (flags.containsKey("config")) {
      all.putAll(ConfigFile.read(Path.of(flags.get("config").value()), mode));
    }
    all.putAll(flags);
    Settings s = new Settings(all);
    String protocol = s.get("protocol", "tcp", Options::knownProtocol, "tcp, udp, http or https");
    String where = mode.equals("client") ? "target" : "listen";
    InetSocketAddress address =
        s.get(where, mode.equals("client") ? null : "0.0.0.0:5201", Options::address, "host:port");
    if (address == null) {
      throw new IllegalArgumentException("a client needs --target host:port");
    }
    String defaultSize = protocol.equals("udp") ? "1000" : "16Ki";
    String sizes = "a size such as 1200, 16Ki or 1.5k";
    Options o =
        new Options(
            mode,
            protocol,
            address,
            s.get("rate", "0", Options::rate, "a rate such as 10Mbit, 2MB/s or 800 (bit/s)"),
            (int) (long) s.get("size", defaultSize, Options::size, sizes),
            (int) (long) s.get("response-size", "0", Options::size, sizes),
            s.get("connections", "1", Integer::parseInt, "an integer"),
            s.get("duration", null, Options::duration, "a duration such as 500ms, 30s or 2m"),
            s.get("total", "0", Options::size, "a size such as 10MB or 1Gi"),
            s.get("count", "0", Long::parseLong, "an integer"),
            s.get("latency", "0ms", Options::duration, "a duration such as 2ms or 1s"),
            s.get("sequence-offset", "-1", Integer::parseInt, "an integer"),
            s.get("skip-every", "0", Long::parseLong, "an integer"),
            s.get("quiet", "false", Options::bool, "true or false"),
            s.get("insecure", "false", Options::bool, "true or false"));
    o.check();
    return o;
  }

  /** The settings in force, each converted with a message that names where a bad one came from. */
  private record Settings(Map<String, Setting> all) {
    <T> T get(String key, String fallback, Function<String, T> convert, String expected) {
      Setting s = all.get(key);
      if (s == null) {
        return fallback == null ? null : convert.apply(fallback);
      }
      try {
        return convert.apply(s.value().trim());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            s.where() + " " + s.value() + ": expected " + expected, e);
      }
    }
  }

  private void check() {
    if (rateBitsPerSecond < 0 || totalBytes < 0 || count < 0 || latency.isNegative()) {
      throw new IllegalArgumentException("rate, total, count and latency cannot be negative");
    }
    if (duration != null && (duration.isNegative() || duration.isZero())) {
      throw new IllegalArgumentException("duration must be positive");
    }
    if (responseSize < 0) {
      throw new IllegalArgumentException("response-size cannot be negative");
    }
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
    if (mode.equals("client") && insecure && !protocol.equals("https")) {
      throw new IllegalArgumentException("insecure applies to protocol https only");
    }
  }

  static String knownProtocol(String s) {
    String p = s.toLowerCase(Locale.ROOT);
    if (!Set.of("tcp", "udp", "http", "https").contains(p)) {
      throw new IllegalArgumentException("protocol is tcp, udp, http or https, not " + s);
    }
    return p;
  }

  static boolean bool(String s) {
    return switch (s) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("true or false, not " + s);
    };
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
}
