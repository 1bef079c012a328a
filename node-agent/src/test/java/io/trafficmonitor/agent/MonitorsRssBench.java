package io.trafficmonitor.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.api.agent.AgentEnvironment;
import io.trafficmonitor.api.v1alpha1.Direction;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.testing.Sh;
import io.trafficmonitor.testing.TestCluster;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Resident memory of the packaged agent (quarkus-run.jar, as its own process, with the JVM options
 * of the agent's image and DaemonSet) serving 1 and then 100 monitors on one test node (root, not a
 * test; docs/benchmarks/monitors.md). Every monitor selects the same two pods, a and b, with mixed
 * settings (all traffic, spec.ports that match, spec.ports that do not, direction Ingress,
 * direction Egress); pod a sends RATE datagrams a second to b over FLOWS source ports throughout.
 * Phase 1: one monitor; phase 2: 99 more added to the running agent; phase 3: a new agent started
 * with the 100 present. Each phase waits until every monitor has its status entry, lets SETTLE
 * seconds pass, then samples VmRSS every second for STEADY seconds and reports the last and largest
 * sample and the agent's CPU over that window, by thread.
 *
 * <pre>
 * MonitorsRssBench [MONITORS [SETTLE [STEADY [RATE [FLOWS]]]]]   defaults 100 30 30 2000 100
 * -Dbench.agent=PATH   the quarkus-run.jar (default node-agent/target/quarkus-app/quarkus-run.jar)
 * </pre>
 */
public final class MonitorsRssBench {
  /** The image's java entry point options (images/java.sh). */
  static final List<String> IMAGE_OPTIONS =
      List.of("-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError");

  /**
   * JAVA_TOOL_OPTIONS of the agent DaemonSet (crds' AgentEnvironment.JVM_OPTIONS); -Dbench.jvm
   * replaces them (to see what the agent would use with a larger heap).
   */
  static final String JAVA_TOOL_OPTIONS =
      System.getProperty("bench.jvm", AgentEnvironment.JVM_OPTIONS);

  private final int monitors;
  private final int settleSeconds;
  private final int steadySeconds;
  private final int rate;
  private final int flows;
  private final StringBuilder out = new StringBuilder();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private final AtomicBoolean tornDown = new AtomicBoolean();
  private TestCluster cluster;
  private KubernetesClient client;
  private String ns;
  private String nodeName;
  private TestNode node;
  private Process agent;
  private int port;

  /** A token that may scrape the agent's /metrics. */
  private String scrapeToken;

  private MonitorsRssBench(
      int monitors, int settleSeconds, int steadySeconds, int rate, int flows) {
    this.monitors = monitors;
    this.settleSeconds = settleSeconds;
    this.steadySeconds = steadySeconds;
    this.rate = rate;
    this.flows = flows;
  }

  public static void main(String[] args) throws Exception {
    MonitorsRssBench bench =
        new MonitorsRssBench(
            args.length > 0 ? Integer.parseInt(args[0]) : 100,
            args.length > 1 ? Integer.parseInt(args[1]) : 30,
            args.length > 2 ? Integer.parseInt(args[2]) : 30,
            args.length > 3 ? Integer.parseInt(args[3]) : 2000,
            args.length > 4 ? Integer.parseInt(args[4]) : 100);
    Runtime.getRuntime().addShutdownHook(new Thread(bench::tearDown)); // interrupted
    try {
      bench.run();
      bench.logs.forEach(l -> l.toFile().delete()); // kept when the run fails
    } finally {
      bench.tearDown();
      System.out.print(bench.out);
    }
    System.exit(0);
  }

  private void run() throws Exception {
    Path jar =
        Path.of(System.getProperty("bench.agent", "node-agent/target/quarkus-app/quarkus-run.jar"));
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " missing: mvn -pl node-agent -am package");
    }
    Cluster.requireKernelAndCluster();
    cluster = TestCluster.shared();
    client = cluster.client();
    Cluster.installCrd(cluster);
    int id = ThreadLocalRandom.current().nextInt(10_000, 99_999);
    ns = "tm-rss-" + id;
    nodeName = "tmrs" + id;
    Cluster.createNamespace(client, ns);
    scrapeToken = OperatorTokens.metricsReader(client, ns);
    cluster.addNode(nodeName, Map.of());
    node = new TestNode(client, nodeName, id % 250);
    TestNode.TestPod a = node.addPod(ns, "a", 2, Map.of("app", "bench"));
    TestNode.TestPod b = node.addPod(ns, "b", 3, Map.of("app", "bench"));
    monitor(0);
    processes.add(MonitorsDatapathBench.start(b, "sink", b.ip, "7001"));
    processes.add(
        MonitorsDatapathBench.start(
            a,
            "pace",
            a.ip,
            "7100",
            b.ip,
            "7001",
            Integer.toString(rate),
            Integer.toString(flows)));
    line(
        "Kernel %s, %d CPUs, %s; agent JVM: java %s -jar quarkus-run.jar with"
            + " JAVA_TOOL_OPTIONS=\"%s\" MALLOC_ARENA_MAX=2; traffic a -> b %d datagrams/s over"
            + " %d flows; %d s to settle, then %d s of samples; load average at start %s.%n",
        System.getProperty("os.version"),
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.version"),
        String.join(" ", IMAGE_OPTIONS),
        JAVA_TOOL_OPTIONS,
        rate,
        flows,
        settleSeconds,
        steadySeconds,
        loadAverage());
    line(
        "| phase | monitors served | RSS at the end (MiB) | largest RSS sample (MiB) |"
            + " agent CPU (%% of a core) | of which, by thread | series in /metrics |"
            + " /metrics size (KiB) |");
    line("|---|---:|---:|---:|---:|---|---:|---:|");
    startAgent(jar, "1");
    steady("1: one monitor", 1);
    for (int i = 1; i < monitors; i++) {
      monitor(i);
    }
    steady("2: " + (monitors - 1) + " added to the running agent", monitors);
    stopAgent();
    startAgent(jar, "2");
    steady("3: a new agent started with " + monitors, monitors);
    line("%nLoad average at the end %s.", loadAverage());
  }

  /** Monitor i of the pods app=bench, with the mix of settings of every fifth. */
  private void monitor(int i) {
    TrafficMonitor tm = Cluster.monitor(ns, String.format("m%03d", i), "bench", "1s");
    switch (i % 5) {
      case 1 -> tm.getSpec().setPorts(List.of("7001"));
      case 2 -> tm.getSpec().setDirection(Direction.Ingress);
      case 3 -> tm.getSpec().setPorts(List.of("9999"));
      case 4 -> tm.getSpec().setDirection(Direction.Egress);
      default -> {}
    }
    client.resource(tm).create();
  }

  private void startAgent(Path jar, String tag) throws Exception {
    port = freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(IMAGE_OPTIONS);
    cmd.add("-jar");
    cmd.add(jar.toAbsolutePath().toString());
    Path log = Files.createTempFile("tm-rss-agent-" + tag + "-", ".log");
    logs.add(log);
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = new HashMap<>();
    env.put("JAVA_TOOL_OPTIONS", JAVA_TOOL_OPTIONS);
    env.put("MALLOC_ARENA_MAX", "2");
    env.put("NODE_NAME", nodeName);
    env.put("TM_WATCH_NAMESPACE", ns);
    env.put("CGROUP_ROOT", TestNode.CGROUP_ROOT.toString());
    env.put("NODE_NETNS", node.netnsPath().toString());
    env.put("KUBECONFIG", cluster.kubeconfig().toString());
    env.put("TM_METRICS_PORT", Integer.toString(port));
    pb.environment().putAll(env);
    agent = pb.start();
    System.err.println("agent " + agent.pid() + " logs to " + log);
    Wait.until(
        "agent ready",
        Duration.ofSeconds(90),
        () -> {
          if (!agent.isAlive()) {
            throw new IllegalStateException("agent exited, see " + log);
          }
          try {
            get("/q/health/ready");
            return true;
          } catch (Exception e) {
            return false;
          }
        });
  }

  private void stopAgent() throws InterruptedException {
    agent.destroy();
    if (!agent.waitFor(30, TimeUnit.SECONDS)) {
      agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Waits until the agent serves n monitors and each has this node's entry, then samples RSS for
   * the steady window; one table row.
   */
  private void steady(String label, int n) throws Exception {
    Wait.until(
        n + " monitors served",
        Duration.ofSeconds(120),
        () -> Scrape.sum(metrics(), "trafficmonitor_monitors_served", Map.of()) == n);
    Wait.until(
        "every monitor's entry",
        Duration.ofSeconds(120),
        () ->
            client.resources(TrafficMonitor.class).inNamespace(ns).list().getItems().stream()
                    .filter(
                        tm ->
                            tm.getStatus() != null
                                && tm.getStatus().getNodes() != null
                                && tm.getStatus().getNodes().stream()
                                    .anyMatch(
                                        e ->
                                            e.getNode().equals(nodeName)
                                                && e.getPods() != null
                                                && e.getPods() == 2))
                    .count()
                == n);
    TimeUnit.SECONDS.sleep(settleSeconds);
    long cpu0 = cpuTicks(agent.pid());
    Map<String, Long> threads0 = threadTicks(agent.pid());
    long t0 = System.nanoTime();
    long largest = 0;
    long last = 0;
    for (int s = 0; s < steadySeconds; s++) {
      TimeUnit.SECONDS.sleep(1);
      last = rssKiB(agent.pid());
      largest = Math.max(largest, last);
    }
    long wall = System.nanoTime() - t0;
    double cpu = (cpuTicks(agent.pid()) - cpu0) * 1e9 / wall; // ticks of 10 ms: percent
    Map<String, Long> threads1 = threadTicks(agent.pid());
    List<Map.Entry<String, Long>> busiest = new ArrayList<>();
    threads1.forEach((k, v) -> busiest.add(Map.entry(k, v - threads0.getOrDefault(k, 0L))));
    busiest.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    StringBuilder byThread = new StringBuilder();
    for (Map.Entry<String, Long> e : busiest.subList(0, Math.min(4, busiest.size()))) {
      byThread
          .append(byThread.length() == 0 ? "" : ", ")
          .append(String.format("%s %.1f", e.getKey(), e.getValue() * 1e9 / wall));
    }
    String m = metrics();
    long series = m.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count();
    line(
        "| %s | %.0f | **%.0f** | %.0f | %.1f | %s | %d | %d |",
        label,
        Scrape.sum(m, "trafficmonitor_monitors_served", Map.of()),
        last / 1024.0,
        largest / 1024.0,
        cpu,
        byThread,
        series,
        m.length() / 1024);
    System.err.println(label + ": " + Sh.quiet("jcmd " + agent.pid() + " GC.heap_info 2>&1"));
    if (Boolean.getBoolean("bench.histogram")) { // a full GC: after the measurement
      String h =
          Sh.quiet("jcmd " + agent.pid() + " GC.class_histogram 2>&1 | awk 'NR <= 40 || /^Total/'");
      System.err.println(label + ": " + h);
    }
  }

  private String metrics() {
    try {
      return get("/metrics", scrapeToken);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String get(String path) throws Exception {
    return get(path, null);
  }

  /** GET {@code path} with {@code token} as the bearer (none when null); throws unless 200. */
  private String get(String path, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /** utime + stime of each thread of a process by name (digits left out), in clock ticks. */
  private static Map<String, Long> threadTicks(long pid) throws Exception {
    Map<String, Long> out = new HashMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "N");
          String stat = Files.readString(t.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
        } catch (IOException e) {
          // the thread ended
        }
      }
    }
    return out;
  }

  /** utime + stime of a process, in clock ticks (1/100 s). */
  private static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long rssKiB(long pid) throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String loadAverage() throws Exception {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
    return f[0] + " " + f[1] + " " + f[2];
  }

  private void line(String fmt, Object... args) {
    out.append(String.format(fmt, args)).append('\n');
    System.err.println(String.format(fmt, args));
  }

  /** Stops the agent and the traffic, removes the node's namespaces, veths and cgroups; once. */
  private void tearDown() {
    if (tornDown.getAndSet(true)) {
      return;
    }
    for (Process p : processes) {
      try {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Cluster.tearDown(
          () -> {
            if (agent != null && agent.isAlive()) {
              stopAgent();
            }
          },
          node,
          client,
          ns,
          nodeName);
    } catch (Exception e) {
      System.err.println("tear-down: " + e);
    }
  }
}
