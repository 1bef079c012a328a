package io.trafficmonitor.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the running kernel offers the flow and TCP health programs, probed once at start: program
 * and map types with libbpf's probes, helpers, tcx, BTF tracepoints, and the BTF, cgroup v2 and BPF
 * filesystems. A probe that the kernel refuses for want of a capability reads {@link State#DENIED},
 * not {@link State#MISSING}: the fix is the pod's securityContext, not the kernel.
 */
public final class KernelFeatures {
  static final int PROG_SCHED_CLS = 3;
  static final int PROG_CGROUP_SKB = 8;
  static final int HELPER_KTIME_GET_COARSE_NS = 160;
  static final int MAP_SK_STORAGE = 24;
  private static final int ESRCH = 3;
  private static final int EACCES = 13;

  /** The BTF tracepoint probed for {@link Feature#TP_BTF}; TCP health attaches to it. */
  static final String PROBE_TRACEPOINT = "inet_sock_set_state";

  /** The default place of the running kernel's BTF. */
  public static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");

  /** A feature: its name in messages, the first Linux version with it, what it is. */
  public enum Feature {
    SCHED_CLS("sched_cls", "4.1", "TC programs", "CAP_BPF and CAP_NET_ADMIN"),
    CGROUP_SKB("cgroup_skb", "4.10", "cgroup socket-buffer programs", "CAP_BPF and CAP_NET_ADMIN"),
    COARSE_CLOCK(
        "bpf_ktime_get_coarse_ns", "5.11", "the coarse clock helper", "CAP_BPF and CAP_NET_ADMIN"),
    PERCPU_HASH("percpu_hash", "4.6", "per-CPU hash maps", "CAP_BPF"),
    TCX("tcx", "6.6", "TC links (tcx)", "CAP_NET_ADMIN"),
    BTF("BTF", "5.4", "the kernel's type information (CONFIG_DEBUG_INFO_BTF)", ""),
    TP_BTF("tp_btf", "5.5", "BTF tracepoint programs", "CAP_BPF and CAP_PERFMON"),
    LRU_HASH("lru_hash", "4.10", "LRU hash maps", "CAP_BPF"),
    SK_STORAGE("sk_storage", "5.2", "socket-local storage maps", "CAP_BPF"),
    CGROUP2("cgroup2", "4.5", "a cgroup v2 mount", ""),
    BPFFS("bpffs", "4.4", "a BPF filesystem mount", "");

    private final String label;
    private final String since;
    private final String what;
    private final String capabilities;

    Feature(String label, String since, String what, String capabilities) {
      this.label = label;
      this.since = since;
      this.what = what;
      this.capabilities = capabilities;
    }

    /** The name in messages, e.g. {@code tcx}. */
    public String label() {
      return label;
    }

    /** The first Linux version that has it, e.g. {@code 6.6}. */
    public String since() {
      return since;
    }

    public String what() {
      return what;
    }

    /** The capabilities its probe (and its use) needs; empty when none. */
    public String capabilities() {
      return capabilities;
    }
  }

  /** The outcome of a probe. */
  public enum State {
    PRESENT,
    MISSING,
    /** The kernel refused the probe for want of a capability. */
    DENIED
  }

  /** One probe's outcome; {@code detail} says what was seen (a path, an errno). */
  public record Check(Feature feature, State state, String detail) {}

  private final Map<Feature, Check> checks;

  private KernelFeatures(Map<Feature, Check> checks) {
    this.checks = Collections.unmodifiableMap(new EnumMap<>(checks));
  }

  /** Outcomes given by hand (tests); features not given count as present. */
  public static KernelFeatures of(List<Check> given) {
    Map<Feature, Check> m = new EnumMap<>(Feature.class);
    for (Feature f : Feature.values()) {
      m.put(f, new Check(f, State.PRESENT, ""));
    }
    given.forEach(c -> m.put(c.feature(), c));
    return new KernelFeatures(m);
  }

  /** Probes everything: BTF at {@link #VMLINUX_BTF}, mounts from /proc/self/mountinfo. */
  public static KernelFeatures probe() {
    String mountinfo;
    try {
      mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
    } catch (IOException e) {
      mountinfo = "";
    }
    return probe(VMLINUX_BTF, mountinfo);
  }

  /** Probes everything, with the BTF file and the mount table given. */
  public static KernelFeatures probe(Path vmlinuxBtf, String mountinfo) {
    Native.ensureLoaded();
    Map<Feature, Check> m = new EnumMap<>(Feature.class);
    put(m, Feature.SCHED_CLS, Native.probeProgType(PROG_SCHED_CLS), "");
    put(m, Feature.CGROUP_SKB, Native.probeProgType(PROG_CGROUP_SKB), "");
    put(
        m,
        Feature.COARSE_CLOCK,
        Native.probeHelper(PROG_SCHED_CLS, HELPER_KTIME_GET_COARSE_NS),
        "in TC programs");
    put(m, Feature.PERCPU_HASH, Native.probeMapType(BpfMap.TYPE_PERCPU_HASH), "");
    put(m, Feature.TCX, Native.probeTcx(), "");
    boolean btf = Files.isReadable(vmlinuxBtf);
    m.put(
        Feature.BTF,
        new Check(
            Feature.BTF,
            btf ? State.PRESENT : State.MISSING,
            vmlinuxBtf + (btf ? "" : " absent: a kernel built without CONFIG_DEBUG_INFO_BTF")));
    put(m, Feature.TP_BTF, Native.probeTracing(PROBE_TRACEPOINT), "on " + PROBE_TRACEPOINT);
    put(m, Feature.LRU_HASH, Native.probeMapType(BpfMap.TYPE_LRU_HASH), "");
    put(m, Feature.SK_STORAGE, Native.probeMapType(MAP_SK_STORAGE), "");
    m.put(Feature.CGROUP2, mount(Feature.CGROUP2, "cgroup2", mountinfo));
    m.put(Feature.BPFFS, mount(Feature.BPFFS, "bpf", mountinfo));
    return new KernelFeatures(m);
  }

  private static String describe(int errno) {
    return switch (errno) {
      case EACCES -> "Permission denied";
      case ESRCH -> "No such process (no such type or tracepoint)";
      default -> Errno.describe(errno);
    };
  }

  private static void put(Map<Feature, Check> m, Feature f, int probe, String where) {
    State s = probe > 0 ? State.PRESENT : probe == 0 ? State.MISSING : State.DENIED;
    String detail = where;
    if (probe < 0) {
      int errno = -probe;
      if (errno != Errno.EPERM && errno != EACCES) {
        s = State.MISSING; // e.g. ENOENT: no BTF, no such tracepoint
      }
      detail = (where.isEmpty() ? "" : where + ": ") + describe(errno);
    }
    m.put(f, new Check(f, s, detail));
  }

  /** Whether {@code fstype} is mounted, per mountinfo; where, as detail. */
  private static Check mount(Feature f, String fstype, String mountinfo) {
    return mountPoint(mountinfo, fstype)
        .map(p -> new Check(f, State.PRESENT, "at " + p))
        .orElseGet(
            () -> new Check(f, State.MISSING, "no " + fstype + " mount in /proc/self/mountinfo"));
  }

  /**
   * The first mount point of file system type {@code fstype} in {@code /proc/<pid>/mountinfo} text
   * (the type is the field after " - "; the mount point, the fifth, octal-escaped).
   */
  public static Optional<Path> mountPoint(String mountinfo, String fstype) {
    for (String line : mountinfo.split("\n")) {
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] after = line.substring(dash + 3).split(" ");
      String[] before = line.substring(0, dash).split(" ");
      if (after.length > 0 && after[0].equals(fstype) && before.length > 4) {
        return Optional.of(
            Path.of(before[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")));
      }
    }
    return Optional.empty();
  }

  public Check check(Feature f) {
    return checks.get(f);
  }

  public boolean has(Feature f) {
    return checks.get(f).state() == State.PRESENT;
  }

  /** Every feature that is not present, in declaration order. */
  public List<Check> absent() {
    List<Check> out = new ArrayList<>();
    for (Check c : checks.values()) {
      if (c.state() != State.PRESENT) {
        out.add(c);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Check c : checks.values()) {
      b.append(b.length() == 0 ? "" : ", ")
          .append(c.feature().label())
          .append(
              c.state() == State.PRESENT ? "" : " " + c.state().name().toLowerCase(Locale.ROOT));
    }
    return b.toString();
  }
}
