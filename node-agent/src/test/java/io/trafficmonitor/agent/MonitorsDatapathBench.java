package io.trafficmonitor.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.api.v1alpha1.Direction;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.bpf.BpfStats;
import io.trafficmonitor.testing.Sh;
import io.trafficmonitor.testing.TestCluster;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Per-packet cost of the flow programs with 1 and with 20 monitors on the same pods, in one run
 * (root, not a test; docs/benchmarks/monitors.md): the real {@link Agent} in this JVM against the
 * local API server, a test node with pods a and b, and UDP datagrams from a to b (18-byte payloads,
 * round-robin over FLOWS source ports). After a warm-up with one monitor, phases alternate: A, one
 * monitor; B, 19 more on the same pods (all traffic, spec.ports that match, spec.ports that do not,
 * direction Ingress, direction Egress); A again once the 19 are deleted; CYCLES times B, ending
 * with an A, so that every B is bracketed by two A's (the machine drifts). Each phase sends RUNS x
 * PACKETS datagrams and reports the flow programs' BPF run-time statistics per packet, the programs
 * attached per cgroup and veth, the agent's collection time and its threads' CPU, and checks every
 * monitor's status entry and series against what was sent and received.
 *
 * <pre>
 * MonitorsDatapathBench [PACKETS [RUNS [PHASE_SECONDS [FLOWS [CYCLES]]]]]
 *                                                  defaults 300000 5 30 1 3
 * </pre>
 */
public final class MonitorsDatapathBench {
  static final int PAYLOAD = 18; // 64-byte frames

  /** spec.interval of every monitor (-Dbench.interval, default 100ms). */
  static final String INTERVAL = System.getProperty("bench.interval", "100ms");

  static final int L3_BYTES = PAYLOAD + 28;
  static final int SPORT = 7100;
  static final int DPORT = 7001;
  static final String[] FLOW_PROGRAMS = {
    "tm_cg_egress", "tm_cg_ingress", "tm_tc_ingress", "tm_tc_egress"
  };

  private final int packets;
  private final int runs;
  private final long phaseNanos;
  private final int flows;
  private final int cycles;
  private final StringBuilder out = new StringBuilder();
  private KubernetesClient client;
  private String ns;
  private String nodeName;
  private TestNode node;
  private TestNode.TestPod a;
  private TestNode.TestPod b;
  private PrometheusMeterRegistry registry;
  private Agent agent;

  /** What each monitor should have counted so far: {txPackets, rxPackets}. */
  private final Map<String, long[]> expected = new TreeMap<>();

  /** The settings of each monitor, as the table shows them. */
  private final Map<String, String> kinds = new LinkedHashMap<>();

  /** ns per run of each flow program in the median run of each phase. */
  private final Map<String, Map<String, Double>> programs = new LinkedHashMap<>();

  private MonitorsDatapathBench(int packets, int runs, int phaseSeconds, int flows, int cycles) {
    this.packets = packets;
    this.cycles = cycles;
    this.runs = runs;
    this.phaseNanos = phaseSeconds * 1_000_000_000L;
    this.flows = flows;
  }

  public static void main(String[] args) throws Exception {
    MonitorsDatapathBench bench =
        new MonitorsDatapathBench(
            args.length > 0 ? Integer.parseInt(args[0]) : 300_000,
            args.length > 1 ? Integer.parseInt(args[1]) : 5,
            args.length > 2 ? Integer.parseInt(args[2]) : 30,
            args.length > 3 ? Integer.parseInt(args[3]) : 1,
            args.length > 4 ? Integer.parseInt(args[4]) : 3);
    Runtime.getRuntime().addShutdownHook(new Thread(bench::tearDown)); // interrupted
    try {
      bench.run();
    } finally {
      bench.tearDown();
      System.out.print(bench.out);
    }
    System.exit(0); // the informers' threads
  }

  private void run() throws Exception {
    Cluster.requireKernelAndCluster();
    TestCluster cluster = TestCluster.shared();
    client = cluster.client();
    Cluster.installCrd(cluster);
    int id = ThreadLocalRandom.current().nextInt(10_000, 99_999);
    ns = "tm-mbench-" + id;
    nodeName = "tmmb" + id;
    Cluster.createNamespace(client, ns);
    cluster.addNode(nodeName, Map.of());
    node = new TestNode(client, nodeName, id % 250);
    a = node.addPod(ns, "a", 2, Map.of("app", "bench"));
    b = node.addPod(ns, "b", 3, Map.of("app", "bench"));
    monitor("m00", "all traffic", null, null);
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    agent =
        new Agent(
            AgentConfig.from(
                Map.of(
                    "NODE_NAME",
                    nodeName,
                    "TM_WATCH_NAMESPACE",
                    ns,
                    "CGROUP_ROOT",
                    TestNode.CGROUP_ROOT.toString(),
                    "NODE_NETNS",
                    node.netnsPath().toString())),
            client,
            registry);
    agent.start();
    served(1);
    line(
        "Kernel %s, %d CPUs, JDK %s; %d x %d datagrams per phase over %d flow(s); monitors'"
            + " interval %s; load average at start %s.%n",
        System.getProperty("os.version"),
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.version"),
        runs,
        packets,
        flows,
        INTERVAL,
        loadAverage());
    line(
        "| phase | monitors | programs attached per cgroup / per veth (agent's links) |"
            + " flow programs ns/packet, runs | **median ns/packet** | collections |"
            + " collection (metric) mean | tm-collect CPU per collection | tm-reconcile CPU |"
            + " tm-status CPU | counts exact |");
    line("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|");
    try (BpfStats stats = BpfStats.enable()) {
      phase("warm-up");
      List<Double> ones = new ArrayList<>();
      List<Double> twenties = new ArrayList<>();
      double[] paired = new double[cycles];
      double before = median(phase("A1"), ones);
      for (int c = 1; c <= cycles; c++) {
        addNineteen(c);
        double twenty = median(phase("B" + c), twenties);
        removeNineteen(c);
        double after = median(phase("A" + (c + 1)), ones);
        paired[c - 1] = twenty / ((before + after) / 2);
        before = after;
      }
      StringBuilder each = new StringBuilder();
      for (double r : paired) {
        each.append(each.length() == 0 ? "" : ", ").append(String.format("%.3f", r));
      }
      double fastestB = twenties.stream().mapToDouble(d -> d).min().orElse(0);
      double fastestA = ones.stream().mapToDouble(d -> d).min().orElse(1);
      line("");
      line(
          "B / mean of the A before and after it, per cycle: %s; median **%.3f**. All runs of"
              + " the B phases against all runs of the A phases, medians: %.1f / %.1f ns ="
              + " %.3f; fastest runs: %.1f / %.1f ns = %.3f.%n",
          each,
          median(paired),
          median(twenties),
          median(ones),
          median(twenties) / median(ones),
          fastestB,
          fastestA,
          fastestB / fastestA);
    }
    line("| program | %s |", String.join(" | ", programs.keySet()));
    line("|---|%s", "---:|".repeat(programs.size()));
    for (String prog : FLOW_PROGRAMS) {
      StringBuilder row = new StringBuilder("| `" + prog + "` |");
      for (Map<String, Double> phase : programs.values()) {
        row.append(String.format(" %.1f |", phase.getOrDefault(prog, Double.NaN)));
      }
      line("%s", row);
    }
    line(
        "%nMonitors: m00 all traffic; in each B phase 19 more, new names each time (b<cycle>m01 to"
            + " b<cycle>m19): %s. Load average at the end %s.",
        String.join(", ", new LinkedHashSet<>(kinds.values())), loadAverage());
  }

  /**
   * Monitors b{cycle}m01 to b{cycle}m19, every fifth alike. New names each cycle: a monitor deleted
   * and created again under its name can leave its old series behind (see
   * docs/benchmarks/monitors.md), which would break the scrape.
   */
  private void addNineteen(int cycle) throws Exception {
    for (int i = 1; i < 20; i++) {
      String name = String.format("b%dm%02d", cycle, i);
      switch (i % 5) {
        case 0 -> monitor(name, "all traffic", null, null);
        case 1 -> monitor(name, "spec.ports 7001 (matches)", List.of("7001"), null);
        case 2 -> monitor(name, "direction Ingress", null, Direction.Ingress);
        case 3 -> monitor(name, "spec.ports 9999 (matches nothing)", List.of("9999"), null);
        default -> monitor(name, "direction Egress", null, Direction.Egress);
      }
    }
    served(20);
  }

  private void removeNineteen(int cycle) throws Exception {
    for (int i = 1; i < 20; i++) {
      String name = String.format("b%dm%02d", cycle, i);
      client.resources(TrafficMonitor.class).inNamespace(ns).withName(name).delete();
      expected.remove(name);
    }
    served(1);
  }

  /** The median of v; adds every value of v to all. */
  private static double median(double[] v, List<Double> all) {
    for (double d : v) {
      all.add(d);
    }
    return median(v);
  }

  private static double median(List<Double> v) {
    return median(v.stream().mapToDouble(d -> d).toArray());
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** Creates monitor {@code name} of the pods app=bench; ports and direction null: the default. */
  private void monitor(String name, String kind, List<String> ports, Direction direction) {
    TrafficMonitor tm = Cluster.monitor(ns, name, "bench", INTERVAL);
    if (ports != null) {
      tm.getSpec().setPorts(ports);
    }
    if (direction != null) {
      tm.getSpec().setDirection(direction);
    }
    client.resource(tm).create();
    expected.put(name, new long[2]);
    kinds.put(name, kind);
  }

  /** Waits until the agent serves exactly n monitors with both pods attached, and routes them. */
  private void served(int n) throws Exception {
    Wait.until(n + " monitors served", Duration.ofSeconds(60), () -> agent.served().size() == n);
    agent.reconcileNow();
    Wait.until(
        "programs attached to both pods",
        Duration.ofSeconds(60),
        () -> links(a.cgroup) == 2 && links(b.cgroup) == 2);
    agent.collectNow(); // every monitor bound to the flows with nothing pending
  }

  /** One phase: traffic, statistics, checks; returns the flow programs' ns/packet of each run. */
  private double[] phase(String label) throws Exception {
    long start = System.nanoTime();
    Map<String, Long> cpu0 = threadCpu();
    double[] metric0 = collectionMetric();
    double[] perRun = new double[runs];
    List<Map<String, Double>> byProgram = new ArrayList<>();
    long sent = 0;
    long received = 0;
    for (int r = 0; r < runs; r++) {
      Map<Long, long[]> p0 = flowProgramStats();
      long[] snmp0 = udpCounters(b);
      long s = send(packets);
      long[] snmp1 = udpCounters(b);
      Map<Long, long[]> p1 = flowProgramStats();
      long time = 0;
      Map<String, Double> each = new TreeMap<>();
      for (Map.Entry<Long, long[]> e : p1.entrySet()) {
        long[] before = p0.getOrDefault(e.getKey(), new long[2]);
        long dt = e.getValue()[0] - before[0];
        long dn = e.getValue()[1] - before[1];
        time += dt;
        each.put(flowProgram(e.getKey()), dn == 0 ? 0 : (double) dt / dn);
      }
      byProgram.add(each);
      perRun[r] = (double) time / s;
      sent += s;
      // the cgroup ingress program runs before the socket's buffer check: drops count too
      received += (snmp1[0] - snmp0[0]) + (snmp1[1] - snmp0[1]);
    }
    long rest = start + phaseNanos - System.nanoTime();
    if (rest > 0) {
      TimeUnit.NANOSECONDS.sleep(rest);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Long> cpu1 = threadCpu();
    double[] metric1 = collectionMetric();
    double collections = metric1[1] - metric0[1];
    String exact = check(sent, received);
    double[] sorted = perRun.clone();
    Arrays.sort(sorted);
    for (int r = 0; r < runs; r++) {
      if (perRun[r] == sorted[runs / 2]) {
        programs.put(label, byProgram.get(r));
        break;
      }
    }
    StringBuilder runsText = new StringBuilder();
    for (double d : perRun) {
      runsText.append(runsText.length() == 0 ? "" : ", ").append(String.format("%.1f", d));
    }
    line(
        "| %s | %d | %s | %s | **%.1f** | %.0f | %.3f ms | %.3f ms | %.1f ms/s | %.1f ms/s | %s |",
        label,
        agent.served().size(),
        attachments(),
        runsText,
        sorted[runs / 2],
        collections,
        (metric1[0] - metric0[0]) / collections * 1e3,
        (cpu1.get("tm-collect") - cpu0.get("tm-collect")) / collections / 1e6,
        (cpu1.get("tm-reconcile") - cpu0.get("tm-reconcile")) / seconds / 1e6,
        (cpu1.get("tm-status") - cpu0.get("tm-status")) / seconds / 1e6,
        exact);
    return perRun;
  }

  /** Sends count datagrams from a to b; returns how many a's socket sent. */
  private long send(int count) throws Exception {
    Process recv = start(b, "recv", b.ip, Integer.toString(DPORT), Integer.toString(count));
    try {
      BufferedReader r =
          new BufferedReader(new InputStreamReader(recv.getInputStream(), StandardCharsets.UTF_8));
      String ready = r.readLine();
      if (!"READY".equals(ready)) {
        throw new IllegalStateException("receiver: " + ready);
      }
      Process send =
          start(
              a,
              "send",
              a.ip,
              Integer.toString(SPORT),
              b.ip,
              Integer.toString(DPORT),
              Integer.toString(count),
              Integer.toString(flows));
      String sent = new String(send.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!send.waitFor(60, TimeUnit.SECONDS) || send.exitValue() != 0) {
        throw new IllegalStateException("sender: " + sent);
      }
      String got = r.readLine();
      recv.waitFor(30, TimeUnit.SECONDS);
      System.err.printf("sent %s, received %s%n", sent.trim(), got);
      return Long.parseLong(sent.trim());
    } finally {
      recv.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  /** Runs {@link Udp} as a process of pod p (its container cgroup, its network namespace). */
  static Process start(TestNode.TestPod p, String... args) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp =
        new File(Udp.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
    String cmd =
        "echo $$ > "
            + p.container.resolve("cgroup.procs")
            + " && exec nsenter --net="
            + p.netnsPath()
            + " "
            + java
            + " -Xshare:auto -cp "
            + cp
            + " '"
            + Udp.class.getName()
            + "' "
            + String.join(" ", args);
    return new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
  }

  /** {InDatagrams, RcvbufErrors} of the UDP MIB in pod p's network namespace. */
  private static long[] udpCounters(TestNode.TestPod p) {
    String[] lines = Sh.ok("nsenter --net=" + p.netnsPath() + " cat /proc/net/snmp").split("\n");
    for (int i = 0; i + 1 < lines.length; i++) {
      if (lines[i].startsWith("Udp:") && lines[i + 1].startsWith("Udp:")) {
        List<String> names = List.of(lines[i].trim().split("\\s+"));
        String[] values = lines[i + 1].trim().split("\\s+");
        return new long[] {
          Long.parseLong(values[names.indexOf("InDatagrams")]),
          Long.parseLong(values[names.indexOf("RcvbufErrors")])
        };
      }
    }
    throw new IllegalStateException("no Udp line in /proc/net/snmp");
  }

  /**
   * Adds this phase's packets to what each monitor should count, then compares every monitor's
   * status entry and series with it: "yes" or what differs.
   */
  private String check(long sent, long received) throws Exception {
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      String kind = kinds.get(e.getKey());
      boolean tx = !kind.contains("Ingress") && !kind.contains("9999");
      boolean rx = !kind.contains("Egress") && !kind.contains("9999");
      e.getValue()[0] += tx ? sent : 0;
      e.getValue()[1] += rx ? received : 0;
    }
    agent.collectNow();
    agent.writeStatusNow();
    String metrics = registry.scrape();
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      String name = e.getKey();
      long tx = e.getValue()[0];
      long rx = e.getValue()[1];
      NodeStatus s =
          client
              .resources(TrafficMonitor.class)
              .inNamespace(ns)
              .withName(name)
              .get()
              .getStatus()
              .getNodes()
              .stream()
              .filter(n -> n.getNode().equals(nodeName))
              .findFirst()
              .orElseThrow();
      double mtx = packetsTotal(metrics, name, "egress");
      double mrx = packetsTotal(metrics, name, "ingress");
      if (s.getTxPackets() != tx
          || s.getRxPackets() != rx
          || s.getTxBytes() != tx * L3_BYTES
          || s.getRxBytes() != rx * L3_BYTES
          || mtx != tx
          || mrx != rx) {
        wrong.add(
            String.format(
                "%s: status tx %d rx %d, series tx %.0f rx %.0f, expected tx %d rx %d",
                name, s.getTxPackets(), s.getRxPackets(), mtx, mrx, tx, rx));
      }
    }
    String head = String.format("%d sent, %d received", sent, received);
    return wrong.isEmpty()
        ? "yes, all " + expected.size() + " (" + head + ")"
        : "**no** (" + head + "): " + String.join("; ", wrong);
  }

  /** Packets of a monitor's pod series (its sockets) in one direction (pods a and b). */
  private double packetsTotal(String metrics, String monitor, String direction) {
    return Scrape.sum(
        metrics,
        "trafficmonitor_pod_packets_total",
        Map.of("monitor_namespace", ns, "monitor", monitor, "direction", direction));
  }

  /** "cgroup a: 2, b: 2; veth a: 2, b: 2; links N, programs M". */
  private String attachments() {
    long pid = ProcessHandle.current().pid();
    List<BpfFds.Link> all = BpfFds.links(pid);
    long va = Cgroups.ifindex(node, a.veth);
    long vb = Cgroups.ifindex(node, b.veth);
    return String.format(
        "%d, %d / %d, %d (links %d, programs %d)",
        links(a.cgroup),
        links(b.cgroup),
        all.stream().filter(l -> l.type().equals("tcx") && l.ifindex() == va).count(),
        all.stream().filter(l -> l.type().equals("tcx") && l.ifindex() == vb).count(),
        all.size(),
        BpfFds.programIds(pid).size());
  }

  /** Links of this process on a cgroup. */
  private static long links(Path cgroup) {
    try {
      long ino = ((Number) Files.getAttribute(cgroup, "unix:ino")).longValue();
      return BpfFds.links(ProcessHandle.current().pid()).stream()
          .filter(l -> l.cgroupId() == ino)
          .count();
    } catch (IOException e) {
      return -1;
    }
  }

  /** {run_time_ns, run_cnt} of each flow program this process holds, by program id. */
  private static Map<Long, long[]> flowProgramStats() throws Exception {
    Map<Long, long[]> out = new TreeMap<>();
    Path fds = Path.of("/proc/self/fd");
    try (var dir = Files.newDirectoryStream(fds)) {
      for (Path fd : dir) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          continue;
        }
        if (!target.equals("anon_inode:bpf-prog")) {
          continue;
        }
        Map<String, String> info = new LinkedHashMap<>();
        try {
          for (String l : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.toFile().getName()))) {
            int colon = l.indexOf(':');
            if (colon > 0) {
              info.put(l.substring(0, colon).trim(), l.substring(colon + 1).trim());
            }
          }
        } catch (IOException e) {
          continue;
        }
        long id = Long.parseLong(info.getOrDefault("prog_id", "0"));
        if (!flowProgram(id).isEmpty()) {
          out.put(
              id,
              new long[] {
                Long.parseLong(info.getOrDefault("run_time_ns", "0")),
                Long.parseLong(info.getOrDefault("run_cnt", "0"))
              });
        }
      }
    }
    return out;
  }

  private static final Map<Long, String> NAMES = new HashMap<>();

  /** The name of program id when it is one of the flow programs, else "" (bpftool, once). */
  private static String flowProgram(long id) {
    return NAMES.computeIfAbsent(
        id,
        x -> {
          String json = Sh.quiet("bpftool -j prog show id " + x);
          return Arrays.stream(FLOW_PROGRAMS)
              .filter(n -> json.contains("\"name\":\"" + n + "\""))
              .findFirst()
              .orElse("");
        });
  }

  /** CPU time of the agent's threads, by name. */
  private static Map<String, Long> threadCpu() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("tm-")) {
        out.merge(t.getName(), mx.getThreadCpuTime(t.getId()), Long::sum);
      }
    }
    return out;
  }

  /** {sum of seconds, count} of trafficmonitor_collection_duration_seconds. */
  private double[] collectionMetric() {
    String m = registry.scrape();
    return new double[] {
      Scrape.sum(m, "trafficmonitor_collection_duration_seconds_sum", Map.of()),
      Scrape.sum(m, "trafficmonitor_collection_duration_seconds_count", Map.of())
    };
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private void line(String fmt, Object... args) {
    out.append(String.format(fmt, args)).append('\n');
    System.err.println(String.format(fmt, args));
  }

  private final AtomicBoolean tornDown = new AtomicBoolean();

  /** Removes the agent, the node's namespaces, veths and cgroups, the namespace and Node; once. */
  private void tearDown() {
    if (tornDown.getAndSet(true)) {
      return;
    }
    try {
      Cluster.tearDown(agent, node, client, ns, nodeName);
    } catch (Exception e) {
      System.err.println("tear-down: " + e);
    }
  }

  /**
   * The traffic, run as a process of a pod so that its socket belongs to the pod's cgroup:
   *
   * <pre>
   * send SRC SPORT DST DPORT COUNT FLOWS
   *                                  COUNT datagrams of 18 bytes, as fast as they go, round-robin
   *                                  from ports SPORT to SPORT + FLOWS - 1; prints how many
   * recv ADDR PORT COUNT             prints READY, receives until COUNT or 2 s without one (30 s
   *                                  for the first); prints how many
   * pace SRC SPORT DST DPORT RATE FLOWS
   *                                  RATE datagrams a second until killed, round-robin as above
   * sink ADDR PORT                   receives until killed
   * </pre>
   */
  public static final class Udp {
    private Udp() {}

    public static void main(String[] args) throws Exception {
      if (args[0].equals("pace") || args[0].equals("sink")) {
        forever(args);
        return;
      }
      if (args[0].equals("send")) {
        DatagramChannel[] from = new DatagramChannel[Integer.parseInt(args[6])];
        for (int i = 0; i < from.length; i++) {
          from[i] = DatagramChannel.open();
          from[i].bind(new InetSocketAddress(args[1], Integer.parseInt(args[2]) + i));
        }
        InetSocketAddress to = new InetSocketAddress(args[3], Integer.parseInt(args[4]));
        int count = Integer.parseInt(args[5]);
        ByteBuffer buf = ByteBuffer.allocateDirect(PAYLOAD);
        long sent = 0;
        for (int i = 0; i < count; i++) {
          buf.clear();
          sent += from[i % from.length].send(buf, to) == PAYLOAD ? 1 : 0;
        }
        System.out.println(sent);
        return;
      }
      try (DatagramSocket s =
          new DatagramSocket(new InetSocketAddress(args[1], Integer.parseInt(args[2])))) {
        s.setReceiveBufferSize(32 << 20);
        s.setSoTimeout(30_000);
        System.out.println("READY");
        System.out.flush();
        int count = Integer.parseInt(args[3]);
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        int n = 0;
        try {
          s.receive(p);
          n++;
          s.setSoTimeout(2_000);
          for (; n < count; n++) {
            s.receive(p);
          }
        } catch (SocketTimeoutException e) {
          // fewer than count: the rest were dropped (the caller reads the UDP MIB)
        }
        System.out.println(n);
      }
    }

    private static void forever(String[] args) throws Exception {
      if (args[0].equals("sink")) {
        try (DatagramChannel ch = DatagramChannel.open()) {
          ch.bind(new InetSocketAddress(args[1], Integer.parseInt(args[2])));
          ByteBuffer buf = ByteBuffer.allocateDirect(2048);
          while (true) {
            buf.clear();
            ch.receive(buf);
          }
        }
      }
      DatagramChannel[] from = new DatagramChannel[Integer.parseInt(args[6])];
      for (int i = 0; i < from.length; i++) {
        from[i] = DatagramChannel.open();
        from[i].bind(new InetSocketAddress(args[1], Integer.parseInt(args[2]) + i));
      }
      InetSocketAddress to = new InetSocketAddress(args[3], Integer.parseInt(args[4]));
      int rate = Integer.parseInt(args[5]);
      ByteBuffer buf = ByteBuffer.allocateDirect(PAYLOAD);
      long start = System.nanoTime();
      for (long i = 0; ; i++) {
        buf.clear();
        from[(int) (i % from.length)].send(buf, to);
        long due = start + (i + 1) * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
      }
    }
  }
}
