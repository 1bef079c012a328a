package io.trafficmonitor.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.trafficmonitor.datapath.flow.FlowLayout;
import io.trafficmonitor.datapath.tcp.TcpLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The byte layout shared with the kernel programs as a checked contract, with no kernel and no
 * root.
 *
 * <p>Every offset and size that the Java side reads or writes is stated in {@code bpf/lib/*.h},
 * below its struct, in one of two shapes:
 *
 * <pre>
 * _Static_assert(__builtin_offsetof(struct flow_key, src) == 0, "FlowLayout.KEY_SRC");
 * _Static_assert(sizeof(struct flow_key) == 48, "FlowLayout.KEY_SIZE");
 * </pre>
 *
 * <p>clang checks the C side of each ({@code struct flow_key} really has {@code src} at 0) on the
 * BPF target whenever the bpf module builds. This test checks the other side: the number against
 * the Java constant that the message names. <b>Naming convention:</b> the message is {@code
 * <SimpleClassName>.<CONSTANT>} of {@link FlowLayout} or {@link TcpLayout}; that is the whole map
 * from C to Java, kept beside the struct it describes. So neither side can drift silently:
 *
 * <ul>
 *   <li>every assert names an existing constant of the same value;
 *   <li>every numeric constant of the two classes is named by exactly one assert, or is derived
 *       from the C layout here ({@link #DERIVED}: the user-space stats record, array lengths), or
 *       is listed as a value that is not a layout ({@link #NOT_LAYOUT}: flags, enum indexes,
 *       limits);
 *   <li>every {@code _Static_assert} in the headers has one of the two shapes (none is skipped);
 *   <li>every map the Java side names is declared with the struct whose size constant Java sizes
 *       its key and value buffers with ({@link #MAP_TYPES}), so that the map's key and value sizes
 *       in the compiled object are those sizes too.
 * </ul>
 *
 * <p>{@code __builtin_offsetof}, not {@code offsetof}: libbpf's {@code offsetof} is a pointer cast,
 * which is not an integer constant expression. {@code TcpHealthIT.layoutsMirrorTheObjectsBtf} still
 * reads the compiled object's BTF on a real kernel.
 */
class LayoutContractTest {
  /** Numeric constants that are not offsets or sizes of a kernel struct. */
  private static final Set<String> NOT_LAYOUT =
      Set.of(
          // flag bits and bit positions
          "FlowLayout.FLOW_F_FRAGMENT",
          "FlowLayout.SET_JITTER",
          "FlowLayout.SET_SEQUENCE",
          "FlowLayout.SET_SEQ_PATTERN",
          "FlowLayout.FILTER_SET_BIT",
          "TcpLayout.CONN_F_PASSIVE",
          "TcpLayout.CONN_F_WSCALE",
          "TcpLayout.WSCALE_NONE",
          // limits and scales
          "FlowLayout.HIST_SHIFT",
          "FlowLayout.SEQ_MAX_WINDOW",
          "FlowLayout.MAX_RULES",
          "FlowLayout.BURST_GAP_NANOS",
          // enum tm_counter: indexes of the counters array
          "FlowLayout.C_SEEN",
          "FlowLayout.C_ACCOUNTED",
          "FlowLayout.C_FILTERED",
          "FlowLayout.C_MAP_FULL",
          "FlowLayout.C_ERRORS",
          "FlowLayout.C_NON_IP",
          "FlowLayout.C_TRUNCATED",
          "FlowLayout.C_MALFORMED",
          "FlowLayout.C_FRAGMENTS",
          "FlowLayout.C_SEQ_FULL",
          "FlowLayout.C_SEQ_NO_NUMBER",
          "FlowLayout.C_JITTER_FULL",
          "FlowLayout.C_MAX",
          // enum tm_event: indexes of the events array
          "TcpLayout.EV_RETRANSMIT",
          "TcpLayout.EV_SOCK_STATE",
          "TcpLayout.EV_SOCK_STATE_RAW",
          "TcpLayout.EV_KFREE_SKB",
          "TcpLayout.EV_TCP_PROBE",
          "TcpLayout.EV_RETRANSMIT_SYNACK",
          "TcpLayout.EV_LOST_CGROUP",
          "TcpLayout.EV_LOST_DROP",
          "TcpLayout.EV_LOST_CONN",
          "TcpLayout.EV_LOST_STORAGE",
          "TcpLayout.EV_MAX");

  /** Layout constants with no struct of their own: checked against the C layout they follow. */
  private static final Set<String> DERIVED =
      Set.of(
          // FlowStats as readers get it: struct flow_stats, then jitter_state's three figures
          "FlowLayout.STATS_SIZE",
          "FlowLayout.STATS_IAT_COUNT",
          "FlowLayout.STATS_IAT_SUM_NS",
          "FlowLayout.STATS_IAT_SUM_SQ_US",
          // array lengths: the elements span the field up to the next one
          "FlowLayout.HIST_BUCKETS",
          "FlowLayout.MAX_PORT_RANGES",
          "TcpLayout.HIST_BUCKETS",
          "TcpLayout.WSCALE_BUCKETS");

  /**
   * Map name constant -> the key and value as Java sizes them: a size constant (the map must be
   * declared with the struct asserted under that name) or a scalar C type.
   */
  private static final Map<String, List<String>> MAP_TYPES =
      Map.ofEntries(
          Map.entry(
              "FlowLayout.MAP_FLOWS", List.of("FlowLayout.KEY_SIZE", "FlowLayout.VALUE_SIZE")),
          Map.entry(
              "FlowLayout.MAP_SEQUENCES", List.of("FlowLayout.KEY_SIZE", "FlowLayout.SEQ_SIZE")),
          Map.entry(
              "FlowLayout.MAP_JITTER", List.of("FlowLayout.KEY_SIZE", "FlowLayout.JITTER_SIZE")),
          Map.entry("FlowLayout.MAP_SETTINGS", List.of("__u32", "FlowLayout.SETTINGS_SIZE")),
          Map.entry("FlowLayout.MAP_COUNTERS", List.of("__u32", "__u64")),
          Map.entry("FlowLayout.MAP_FILTER_RULES", List.of("__u32", "FlowLayout.RULE_SIZE")),
          Map.entry("FlowLayout.MAP_FILTER_STATE", List.of("__u32", "__u32")),
          Map.entry("TcpLayout.MAP_EVENTS", List.of("__u32", "__u64")),
          Map.entry("TcpLayout.MAP_CGROUPS", List.of("__u64", "TcpLayout.CG_SIZE")),
          Map.entry(
              "TcpLayout.MAP_CONNS", List.of("TcpLayout.CONN_KEY_SIZE", "TcpLayout.CONN_SIZE")),
          Map.entry("TcpLayout.MAP_DROPS", List.of("TcpLayout.DROP_KEY_SIZE", "__u64")));

  private static final Pattern ASSERT =
      Pattern.compile(
          "_Static_assert\\s*\\(\\s*(?:(?:__builtin_)?offsetof\\s*\\(\\s*struct\\s+(\\w+)\\s*,\\s*(\\w+)"
              + "\\s*\\)|sizeof\\s*\\(\\s*struct\\s+(\\w+)\\s*\\))\\s*==\\s*(\\d+)\\s*,\\s*\"([^\"]*)\""
              + "\\s*\\)\\s*;");
  private static final Pattern MAP =
      Pattern.compile("struct\\s*\\{([^{}]*)\\}\\s*(\\w+)\\s+SEC\\(\\s*\"\\.maps\"\\s*\\)\\s*;");
  private static final Pattern MAP_TYPE =
      Pattern.compile("__type\\(\\s*(key|value)\\s*,\\s*([^)]*?)\\s*\\)");

  /** One assert: {@code field} is null for a sizeof. */
  record Fact(String header, String struct, String field, long value, String constant) {
    String c() {
      return field == null ? "sizeof(struct " + struct + ")" : struct + "." + field;
    }
  }

  private static final Map<String, String> HEADERS = headers();
  private static final List<Fact> FACTS = facts();
  private static final Map<String, Object> JAVA = constants(FlowLayout.class, TcpLayout.class);

  @Test
  void everyAssertHasTheValueOfTheJavaConstantItNames() {
    List<String> wrong = new ArrayList<>();
    Map<String, Fact> byConstant = new HashMap<>();
    Map<String, Fact> byC = new HashMap<>();
    for (Fact f : FACTS) {
      Object java = JAVA.get(f.constant());
      if (!(java instanceof Number n)) {
        wrong.add(f.header() + ": " + f.c() + " names no numeric constant: " + f.constant());
      } else if (n.longValue() != f.value()) {
        wrong.add(
            f.header() + ": " + f.c() + " == " + f.value() + " but " + f.constant() + " == " + n);
      }
      Fact other = byConstant.put(f.constant(), f);
      if (other != null) {
        wrong.add(f.constant() + " named by both " + other.c() + " and " + f.c());
      }
      other = byC.put(f.c(), f);
      if (other != null) {
        wrong.add(f.c() + " asserted twice: " + other.constant() + ", " + f.constant());
      }
    }
    for (Fact f : FACTS) {
      if (f.field() != null && !byC.containsKey("sizeof(struct " + f.struct() + ")")) {
        wrong.add(f.header() + ": struct " + f.struct() + " has offset asserts but no sizeof");
      }
    }
    none(wrong);
  }

  @Test
  void everyLayoutConstantIsAssertedOrDerived() {
    Set<String> asserted = new HashSet<>();
    FACTS.forEach(f -> asserted.add(f.constant()));
    List<String> wrong = new ArrayList<>();
    JAVA.forEach(
        (name, value) -> {
          if (!(value instanceof Number)) {
            return;
          }
          int lists = (NOT_LAYOUT.contains(name) ? 1 : 0) + (DERIVED.contains(name) ? 1 : 0);
          if (asserted.contains(name) && lists > 0) {
            wrong.add(name + " is asserted in C and also listed here as not asserted");
          } else if (!asserted.contains(name) && lists == 0) {
            wrong.add(
                name
                    + " = "
                    + value
                    + " has no _Static_assert in bpf/lib/*.h (or add it to NOT_LAYOUT/DERIVED)");
          }
        });
    Stream.concat(NOT_LAYOUT.stream(), DERIVED.stream())
        .filter(name -> !JAVA.containsKey(name))
        .forEach(name -> wrong.add(name + " is listed here but no longer exists"));
    none(wrong);
  }

  @Test
  void everyStaticAssertInTheHeadersIsParsed() {
    HEADERS.forEach(
        (name, text) -> {
          long all = Pattern.compile("_Static_assert").matcher(text).results().count();
          long parsed = FACTS.stream().filter(f -> f.header().equals(name)).count();
          assertEquals(
              all, parsed, name + ": a _Static_assert of another shape would go unchecked");
        });
    assertTrue(FACTS.size() > 50, "parsed only " + FACTS.size() + " asserts");
  }

  @Test
  void readerStatsAreFlowStatsFollowedByTheJitterFigures() {
    long iat = offset("jitter_state", "iat_count");
    assertEquals(size("flow_stats"), FlowLayout.STATS_IAT_COUNT);
    assertEquals(
        size("flow_stats") + offset("jitter_state", "iat_sum_ns") - iat,
        FlowLayout.STATS_IAT_SUM_NS);
    assertEquals(
        size("flow_stats") + offset("jitter_state", "iat_sum_sq_us") - iat,
        FlowLayout.STATS_IAT_SUM_SQ_US);
    assertEquals(size("flow_stats") + size("jitter_state") - iat, FlowLayout.STATS_SIZE);
  }

  @Test
  void arrayLengthsSpanTheirFields() {
    assertEquals( // __u32 size_hist[TM_FLOW_HIST_BUCKETS], then first_seen_ns
        offset("flow_stats", "first_seen_ns") - offset("flow_stats", "size_hist"),
        4L * FlowLayout.HIST_BUCKETS);
    assertEquals( // struct port_range sports[TM_MAX_PORT_RANGES], then dports
        offset("filter_rule", "dports") - offset("filter_rule", "sports"),
        size("port_range") * FlowLayout.MAX_PORT_RANGES);
    assertEquals( // __u64 rtt_hist[TM_TCP_HIST_BUCKETS], then duration_hist to the end
        offset("tcp_cg_stats", "duration_hist") - offset("tcp_cg_stats", "rtt_hist"),
        8L * TcpLayout.HIST_BUCKETS);
    assertEquals( // __u64 duration_hist[TM_TCP_HIST_BUCKETS], then zero_wnd_peer
        offset("tcp_cg_stats", "zero_wnd_peer") - offset("tcp_cg_stats", "duration_hist"),
        8L * TcpLayout.HIST_BUCKETS);
    assertEquals( // __u64 wscale_conns[TM_TCP_WSCALE_BUCKETS] to the end
        size("tcp_cg_stats") - offset("tcp_cg_stats", "wscale_conns"),
        8L * TcpLayout.WSCALE_BUCKETS);
  }

  @Test
  void mapsAreDeclaredWithTheTypesJavaSizesThemBy() {
    Map<String, String[]> declared = new HashMap<>(); // map name -> {key type, value type}
    HEADERS
        .values()
        .forEach(
            text -> {
              Matcher m = MAP.matcher(text);
              while (m.find()) {
                String[] kv = new String[2];
                Matcher t = MAP_TYPE.matcher(m.group(1));
                while (t.find()) {
                  kv[t.group(1).equals("key") ? 0 : 1] = t.group(2).replaceAll("\\s+", " ");
                }
                declared.put(m.group(2), kv);
              }
            });
    List<String> wrong = new ArrayList<>();
    JAVA.forEach(
        (name, value) -> {
          if (name.contains(".MAP_") && !MAP_TYPES.containsKey(name)) {
            wrong.add(name + " has no entry in MAP_TYPES");
          }
        });
    MAP_TYPES.forEach(
        (constant, javaTypes) -> {
          String map = (String) JAVA.get(constant);
          String[] kv = declared.get(map);
          if (kv == null) {
            wrong.add(constant + " = \"" + map + "\" is declared in no header");
            return;
          }
          for (int i = 0; i < 2; i++) {
            String expected = cType(javaTypes.get(i));
            if (!expected.equals(kv[i])) {
              String what = i == 0 ? "key" : "value";
              wrong.add(map + " " + what + ": declared " + kv[i] + ", Java uses " + expected);
            }
          }
        });
    none(wrong);
  }

  private static void none(List<String> wrong) {
    if (!wrong.isEmpty()) {
      fail(wrong.size() + " contract breaks:\n" + String.join("\n", wrong));
    }
  }

  /** "FlowLayout.KEY_SIZE" -> "struct flow_key" (from its sizeof assert); scalars unchanged. */
  private static String cType(String javaType) {
    if (javaType.startsWith("__")) {
      return javaType;
    }
    return FACTS.stream()
        .filter(f -> f.field() == null && f.constant().equals(javaType))
        .map(f -> "struct " + f.struct())
        .findFirst()
        .orElse("(no sizeof assert names " + javaType + ")");
  }

  private static long size(String struct) {
    return fact(struct, null);
  }

  private static long offset(String struct, String field) {
    return fact(struct, field);
  }

  private static long fact(String struct, String field) {
    return FACTS.stream()
        .filter(f -> f.struct().equals(struct) && Objects.equals(f.field(), field))
        .mapToLong(Fact::value)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no assert for " + struct + "." + field));
  }

  private static List<Fact> facts() {
    List<Fact> out = new ArrayList<>();
    HEADERS.forEach(
        (name, text) -> {
          Matcher m = ASSERT.matcher(text);
          while (m.find()) {
            boolean offset = m.group(1) != null;
            out.add(
                new Fact(
                    name,
                    offset ? m.group(1) : m.group(3),
                    offset ? m.group(2) : null,
                    Long.parseLong(m.group(4)),
                    m.group(5)));
          }
        });
    return out;
  }

  /** "FlowLayout.KEY_SRC" -> 0 for the static final fields of the given classes. */
  private static Map<String, Object> constants(Class<?>... classes) {
    Map<String, Object> out = new TreeMap<>();
    for (Class<?> c : classes) {
      for (Field f : c.getDeclaredFields()) {
        int mod = f.getModifiers();
        if (Modifier.isStatic(mod) && Modifier.isFinal(mod) && Modifier.isPublic(mod)) {
          try {
            out.put(c.getSimpleName() + "." + f.getName(), f.get(null));
          } catch (IllegalAccessException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    return out;
  }

  /** File name -> text without comments, of every header in bpf/lib. */
  private static Map<String, String> headers() {
    Path lib = lib();
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(lib)) {
      for (Path h : files.filter(p -> p.toString().endsWith(".h")).toList()) {
        String text = Files.readString(h);
        out.put(h.getFileName().toString(), text.replaceAll("(?s)/\\*.*?\\*/|//[^\n]*", " "));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertTrue(out.containsKey("flow_types.h") && out.containsKey("tcp_types.h"), lib.toString());
    return out;
  }

  /**
   * The repository's bpf/lib (../bpf/lib from this module): searched upwards from Maven's basedir,
   * the working directory and this class's location, so that an IDE or another working directory
   * finds it too.
   */
  private static Path lib() {
    List<Path> starts = new ArrayList<>();
    String basedir = System.getProperty("basedir");
    if (basedir != null) {
      starts.add(Path.of(basedir));
    }
    starts.add(Path.of("").toAbsolutePath());
    try {
      starts.add(
          Path.of(
              LayoutContractTest.class
                  .getProtectionDomain()
                  .getCodeSource()
                  .getLocation()
                  .toURI()));
    } catch (URISyntaxException | RuntimeException e) {
      // the other starts remain
    }
    for (Path start : starts) {
      for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
        Path lib = dir.resolve("bpf").resolve("lib");
        if (Files.isRegularFile(lib.resolve("flow_types.h"))) {
          return lib;
        }
      }
    }
    return fail("bpf/lib/flow_types.h not found above any of " + starts);
  }
}
