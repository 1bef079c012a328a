package io.trafficmonitor.operator;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.GoDuration;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.Talker;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import io.trafficmonitor.testing.LocalCluster;
import io.trafficmonitor.testing.TestCluster;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not part of the build (the name matches neither *Test nor *IT): status that scales.
 * The packaged operator (target/quarkus-app) runs as its own process against the local control
 * plane, watching one namespace that is also its own (where its agent DaemonSet goes), with the
 * agent port set to the port of ONE light fake agent: an HTTP server on 0.0.0.0 that answers {@code
 * GET /api/v1/status} for every node, telling the node by the local address the request came to. N
 * fake Node objects get one agent pod each from the DaemonSet controller and the scheduler (no
 * kubelet runs them); pod k gets the address 127.(200 + k / 64516).(1 + k / 254 % 254).(1 + k %
 * 254), so the operator pulls N agents.
 *
 * <p>For each N (default 1,000 then 5,000), once every monitor's status counts N ready nodes and
 * the setup's events have settled, over a window (default 60 s): the size of a monitor (JSON, with
 * and without managedFields), its status.nodes entries, status writes per monitor (resourceVersion
 * changes seen by an informer here), the requests the fake agent received and how they bunch into
 * rounds, the operator's pull metrics, its CPU (utime+stime from /proc), memory and GC (its
 * -Xlog:gc file, a class histogram after the window); and, a few times, the time from a jump of
 * rxBytes in one agent's answer to the monitor's status.summary.rxBytes showing it. A size the
 * operator does not reach (it exits, or the statuses never count every node) is reported as not
 * measured, with why; the run goes on to the report.
 *
 * <p>Run: {@code mvn -o -pl operator verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=StatusScaleBench -Dspotless.check.skip=true}; results in target/status-scale-bench.md
 * (and the operator's log, GC log and class histograms beside it). Properties: {@code
 * tm.bench.nodes} (1000,5000), {@code tm.bench.monitors} (10), {@code tm.bench.statusInterval}
 * (10s), {@code tm.bench.window} (60 seconds), {@code tm.bench.probes} (5), {@code tm.bench.jvm}
 * (the operator's JVM options; by default the chart's operator.javaOptions). Everything it made
 * (nodes, pods, the namespace) is deleted at the end, also on failure.
 */
class StatusScaleBench {
  private static final String NS = "status-scale";
  private static final String NODE_LABEL = "trafficmonitor.io/bench";
  private static final String NODE_LABEL_VALUE = "status-scale";
  private static final String NODE_PREFIX = "ssb-";
  private static final int MONITORS = Integer.getInteger("tm.bench.monitors", 10);
  private static final String STATUS_INTERVAL =
      System.getProperty("tm.bench.statusInterval", "10s");
  private static final Duration WINDOW =
      Duration.ofSeconds(Integer.getInteger("tm.bench.window", 60));
  private static final int PROBES = Integer.getInteger("tm.bench.probes", 5);
  private static final int THREADS = 8;

  /** What a probe adds to one node's rxBytes: far above what all nodes add in a minute. */
  private static final long JUMP = 1_000_000_000_000L;

  /** The old design's entry per node and interval, as the brief of this benchmark gives it. */
  private static final int OLD_ENTRY_BYTES = 2048;

  private static final String GC_LOG = "target/status-scale-bench-gc.log";
  private static final long CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  static {
    // Every node's agent keeps its connection from the operator; the JDK server would close all
    // but 200 idle connections after each answer, which one real agent per node never does.
    System.setProperty("sun.net.httpserver.maxIdleConnections", "100000");
  }

  private record Monitor(String name, String uid, long generation) {}

  private record Pending(String name, long threshold, CompletableFuture<Long> seen) {}

  @Test
  void statusScalesWithNodes() throws Exception {
    long benchStart = System.nanoTime();
    List<Integer> sizes =
        Arrays.stream(System.getProperty("tm.bench.nodes", "1000,5000").split(","))
            .map(String::trim)
            .map(Integer::parseInt)
            .toList();
    TestCluster cluster = TestCluster.shared();
    KubernetesClient client = cluster.client();
    OperatorHarness.installCrds(client);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();

    StringBuilder report = new StringBuilder();
    FakeAgent agent = new FakeAgent();
    int httpPort = freePort();
    String jvmFlags = System.getProperty("tm.bench.jvm", OperatorHarness.chartJavaOptions());
    Process operator = null;
    SharedIndexInformer<TrafficMonitor> monitors = null;
    SharedIndexInformer<Pod> pods = null;
    Map<String, List<Long>> writes = new ConcurrentHashMap<>();
    AtomicReference<Pending> pending = new AtomicReference<>();
    try {
      operator = operator(cluster, jvmFlags, agent.port(), httpPort).start();
      log(
          "operator pid %d, agent port %d, operator HTTP port %d",
          operator.pid(), agent.port(), httpPort);
      monitors =
          client
              .resources(TrafficMonitor.class)
              .inNamespace(NS)
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(TrafficMonitor tm) {}

                    @Override
                    public void onUpdate(TrafficMonitor before, TrafficMonitor tm) {
                      if (!Objects.equals(
                          before.getMetadata().getResourceVersion(),
                          tm.getMetadata().getResourceVersion())) {
                        writes
                            .computeIfAbsent(
                                tm.getMetadata().getName(), n -> new CopyOnWriteArrayList<>())
                            .add(System.nanoTime());
                      }
                      Pending p = pending.get();
                      if (p != null
                          && p.name().equals(tm.getMetadata().getName())
                          && rxBytes(tm) >= p.threshold()) {
                        p.seen().complete(System.nanoTime());
                      }
                    }

                    @Override
                    public void onDelete(TrafficMonitor tm, boolean unknown) {}
                  });
      pods = client.pods().inNamespace(NS).withLabelSelector(AgentDaemonSet.SELECTOR).inform();

      // The monitors, each with its first status from the operator; their uids for the agent.
      List<Monitor> made = new ArrayList<>();
      for (int i = 0; i < MONITORS; i++) {
        String name = String.format("m-%02d", i);
        TrafficMonitor tm =
            Monitors.monitor(
                NS,
                name,
                "podSelector: {matchLabels: {app: web}}\nstatusInterval: "
                    + STATUS_INTERVAL
                    + "\nflows: {topN: 10}\n");
        tm.getMetadata().setGeneration(null);
        TrafficMonitor created = client.resource(tm).create();
        made.add(
            new Monitor(
                name, created.getMetadata().getUid(), created.getMetadata().getGeneration()));
      }
      agent.monitors = List.copyOf(made);
      SharedIndexInformer<TrafficMonitor> informer = monitors;
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  informer.getStore().list().stream().filter(tm -> tm.getStatus() != null).count()
                      == MONITORS);
      log("%d monitors with a status", MONITORS);

      report.append("# StatusScaleBench\n\n");
      report.append(
          String.format(
              "%d TrafficMonitors, statusInterval %s, window %d s, operator JVM flags `%s`,"
                  + " MALLOC_ARENA_MAX=2, %d cores, load average at start %s%n%n",
              MONITORS,
              STATUS_INTERVAL,
              WINDOW.toSeconds(),
              jvmFlags,
              Runtime.getRuntime().availableProcessors(),
              loadAverage()));
      report.append(
          String.format(
              "one fake entry (NodeStatus JSON as served, 2 topFlows, 2 topTalkers): %d bytes;"
                  + " one agent answer with %d monitors: %d bytes%n%n",
              JSON.writeValueAsBytes(agent.entry(made.get(0), "ssb-00000", 0)).length,
              MONITORS,
              agent.answer("ssb-00000", 0).length));

      int nodes = 0;
      List<String> rows = new ArrayList<>();
      Set<String> given = ConcurrentHashMap.newKeySet();
      List<Integer> notMeasured = new ArrayList<>();
      for (int n : sizes) {
        try {
          rows.add(
              atSize(
                  client, cluster, operator, httpPort, agent, informer, pods, given, writes,
                  pending, made, nodes, n, report));
          nodes = n;
        } catch (Exception | AssertionError e) {
          String why =
              String.format(
                  "## %,d nodes: not measured%n%n%s; the operator process %s (see"
                      + " target/status-scale-bench-operator.log and -gc.log)%n%n",
                  n,
                  e.toString().lines().findFirst().orElse("?"),
                  operator.isAlive()
                      ? "was still running"
                      : "had exited with code " + operator.exitValue());
          why +=
              "statuses then: "
                  + informer.getStore().list().stream()
                      .map(
                          tm ->
                              tm.getMetadata().getName()
                                  + " "
                                  + (tm.getStatus() == null || tm.getStatus().getSummary() == null
                                      ? "-"
                                      : tm.getStatus().getSummary().getNodesReady()))
                      .sorted()
                      .toList()
                  + "\n\n";
          log("%s", why);
          report.append(why);
          rows.add(String.format("| %,d | not measured: see above |%n", n));
          notMeasured.add(n);
          break;
        }
      }
      report.append("\n## Summary\n\n");
      report.append(
          "| nodes | monitor JSON (with managedFields) | without managedFields | status"
              + " | status.nodes | writes/monitor/min | writes/s (all) | agent requests/s"
              + " | pull round (gauge) | pull round (seen by the agent) | operator CPU | VmRSS"
              + " | VmHWM | live heap | traffic -> status p50 / max |\n");
      report.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      rows.forEach(report::append);
      report.append(
          "\n## Old design, computed (not measured): every agent patches its own entry every"
              + " statusInterval\n\n");
      report.append(
          "| nodes | status.nodes entries | status size at ~2 KB/entry | writes/monitor/min"
              + " | writes/s (all monitors) | bytes written/s (all monitors) |\n|---|---|---|---|---|---|\n");
      long intervalSeconds = GoDuration.parse(STATUS_INTERVAL).toSeconds();
      for (int n : sizes) {
        long size = (long) n * OLD_ENTRY_BYTES;
        double perSecond = (double) MONITORS * n / intervalSeconds;
        report.append(
            String.format(
                "| %,d | %,d | %.2f MiB | %,.0f | %,.0f | %,.0f MiB/s |%n",
                n,
                n,
                size / 1048576.0,
                n * 60.0 / intervalSeconds,
                perSecond,
                perSecond * size / 1048576.0));
      }
      List<String> logLines = Files.readAllLines(Path.of("target/status-scale-bench-operator.log"));
      report.append(
          String.format(
              "%noperator log: %d WARN lines, %d ERROR lines (target/status-scale-bench-operator.log);"
                  + " JDK %s; run took %.1f min (from the cluster up to the last measurement)%n",
              logLines.stream().filter(l -> l.contains(" WARN ")).count(),
              logLines.stream().filter(l -> l.contains(" ERROR ")).count(),
              System.getProperty("java.version"),
              (System.nanoTime() - benchStart) / 60e9));
      System.out.print(report);
      Files.writeString(Path.of("target/status-scale-bench.md"), report.toString());
      if (!notMeasured.isEmpty()) {
        throw new AssertionError(
            "not measured at " + notMeasured + " nodes: see target/status-scale-bench.md");
      }
    } finally {
      try {
        if (Files.exists(Path.of("target"))) {
          Files.writeString(Path.of("target/status-scale-bench.md.partial"), report.toString());
        }
      } catch (IOException ignored) {
        // only a copy
      }
      if (monitors != null) {
        monitors.close();
      }
      if (pods != null) {
        pods.close();
      }
      if (operator != null) {
        operator.destroy();
        if (!operator.waitFor(30, TimeUnit.SECONDS)) {
          operator.destroyForcibly();
          operator.waitFor(30, TimeUnit.SECONDS);
        }
      }
      agent.close();
      cleanUp(cluster);
    }
  }

  /** Grows the cluster to {@code n} nodes, waits for the statuses to count them, measures. */
  private static String atSize(
      KubernetesClient client,
      TestCluster cluster,
      Process operator,
      int httpPort,
      FakeAgent agent,
      SharedIndexInformer<TrafficMonitor> informer,
      SharedIndexInformer<Pod> pods,
      Set<String> given,
      Map<String, List<Long>> writes,
      AtomicReference<Pending> pending,
      List<Monitor> made,
      int from,
      int n,
      StringBuilder report)
      throws Exception {
    long t0 = System.nanoTime();
    addNodes(client, from, n);
    log("%d nodes made in %.1f s", n, (System.nanoTime() - t0) / 1e9);
    // Pods get their address as soon as they are bound, while the others are still scheduled.
    await()
        .atMost(Duration.ofMinutes(15))
        .pollInterval(Duration.ofSeconds(5))
        .until(
            () -> {
              alive(operator);
              int patched = giveAddresses(client, pods, agent, given);
              long bound = bound(pods).size();
              log("  agent pods bound: %d of %d (%d more given an address)", bound, n, patched);
              return bound >= n && given.size() >= n;
            });
    long boundAt = System.nanoTime();
    log("%d agent pods bound and given an address %.1f s after the nodes", n, (boundAt - t0) / 1e9);
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              alive(operator);
              return informer.getStore().list().stream()
                  .allMatch(
                      tm ->
                          tm.getStatus() != null
                              && tm.getStatus().getSummary() != null
                              && Integer.valueOf(n).equals(tm.getStatus().getSummary().getNodes())
                              && Integer.valueOf(n).equals(tm.getStatus().getSummary().getReady()));
            });
    long readyAt = System.nanoTime();
    log("every status counts %d ready nodes, %.1f s after the nodes", n, (readyAt - t0) / 1e9);
    Thread.sleep(Duration.ofSeconds(25).toMillis()); // settle: the setup's events, GC
    alive(operator);
    return measure(
        client,
        cluster,
        operator,
        httpPort,
        agent,
        informer,
        writes,
        pending,
        made,
        n,
        (boundAt - t0) / 1e9,
        (readyAt - t0) / 1e9,
        report);
  }

  private static void alive(Process operator) {
    if (!operator.isAlive()) {
      throw new IllegalStateException("the operator exited with code " + operator.exitValue());
    }
  }

  /** One measurement window at {@code n} nodes; returns the summary row. */
  private static String measure(
      KubernetesClient client,
      TestCluster cluster,
      Process operator,
      int httpPort,
      FakeAgent agent,
      SharedIndexInformer<TrafficMonitor> informer,
      Map<String, List<Long>> writes,
      AtomicReference<Pending> pending,
      List<Monitor> made,
      int n,
      double boundSeconds,
      double readySeconds,
      StringBuilder report)
      throws Exception {
    log("measuring at %d nodes for %d s (load average %s)", n, WINDOW.toSeconds(), loadAverage());
    Map<String, ProcessHandle> processes = processes(cluster, operator);
    String load0 = loadAverage();
    Map<String, Long> ticks0 = new LinkedHashMap<>();
    processes.forEach((name, p) -> ticks0.put(name, ticks(p.pid())));
    long requests0 = agent.requests.get();
    agent.stamps = new ConcurrentLinkedQueue<>();
    int gc0 = lines(GC_LOG).size();
    String metrics0 = scrape(httpPort);
    long start = System.nanoTime();
    long end = start + WINDOW.toNanos();

    // Probes, one after the other, while the window runs (and after it until PROBES are done).
    List<Double> latencies = new CopyOnWriteArrayList<>();
    List<String> probeLines = new CopyOnWriteArrayList<>();
    Random random = new Random(n);
    ExecutorService prober = Executors.newSingleThreadExecutor();
    Future<?> probing =
        prober.submit(
            () -> {
              int i = 0;
              while (System.nanoTime() < end || latencies.size() < PROBES) {
                Monitor m = made.get(i % made.size());
                int k = random.nextInt(n);
                TrafficMonitor tm = informer.getStore().getByKey(NS + "/" + m.name());
                long before = rxBytes(tm);
                CompletableFuture<Long> seen = new CompletableFuture<>();
                pending.set(new Pending(m.name(), before + JUMP, seen));
                long t = System.nanoTime();
                agent.jump(m.uid(), nodeName(k), JUMP);
                try {
                  long at = seen.get(90, TimeUnit.SECONDS);
                  latencies.add((at - t) / 1e9);
                  probeLines.add(
                      String.format(
                          "probe %d: %s on %s, +%,d rxBytes seen in the status after %.2f s",
                          i, m.name(), nodeName(k), JUMP, (at - t) / 1e9));
                } catch (Exception e) {
                  probeLines.add(
                      String.format(
                          "probe %d: %s on %s: not seen within 90 s (%s)",
                          i, m.name(), nodeName(k), e));
                  latencies.add(Double.NaN);
                }
                pending.set(null);
                i++;
                // A probe starts at a random phase of the status interval: right after the last
                // one was seen, the next write (and round) would be a whole interval away.
                sleep(500 + random.nextInt((int) GoDuration.parse(STATUS_INTERVAL).toMillis()));
              }
              return null;
            });

    List<Double> roundSamples = new ArrayList<>();
    while (System.nanoTime() < end) {
      Thread.sleep(2000);
      double round = metric(scrape(httpPort), "trafficmonitor_operator_agent_pull_round_seconds");
      if (!Double.isNaN(round)) {
        roundSamples.add(round);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Long> ticks1 = new LinkedHashMap<>();
    processes.forEach((name, p) -> ticks1.put(name, ticks(p.pid())));
    long requests1 = agent.requests.get();
    List<Long> stamps = new ArrayList<>(agent.stamps);
    agent.stamps = null;
    // Rounds as the agent sees them: requests with less than 1 s between them.
    Collections.sort(stamps);
    List<Double> spans = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    for (int i = 0, first = 0; i < stamps.size(); i++) {
      if (i == stamps.size() - 1 || stamps.get(i + 1) - stamps.get(i) > 1_000_000_000L) {
        spans.add((stamps.get(i) - stamps.get(first)) / 1e9);
        sizes.add(i - first + 1);
        first = i + 1;
      }
    }
    // The first and last may be cut by the window.
    List<Double> whole = spans.size() > 2 ? spans.subList(1, spans.size() - 1) : List.of();
    String agentRounds =
        String.format(
            "%d bursts of requests (gaps over 1 s between them) in the window, %s requests"
                + " each; span of the whole ones: mean %.2f s, max %.2f s",
            spans.size(),
            sizes.size() > 2
                ? sizes.subList(1, sizes.size() - 1).stream().distinct().sorted().toList()
                : sizes,
            whole.stream().mapToDouble(d -> d).average().orElse(Double.NaN),
            whole.stream().mapToDouble(d -> d).max().orElse(Double.NaN));
    String metrics1 = scrape(httpPort);
    String rss = vm(operator.pid(), "VmRSS");
    String hwm = vm(operator.pid(), "VmHWM");
    String load1 = loadAverage();
    List<String> gcLines = lines(GC_LOG);
    gcLines = gcLines.subList(Math.min(gc0, gcLines.size()), gcLines.size());
    Matcher heap = null;
    double paused = 0;
    for (String l : gcLines) {
      Matcher m = GC_PAUSE.matcher(l);
      if (m.find()) {
        heap = m;
        paused += Double.parseDouble(m.group(4));
      }
    }
    String gc =
        String.format(
            "%d young and %d full collections, %.0f ms paused in all; heap after the last: %s",
            gcLines.stream().filter(l -> l.contains("Pause Young")).count(),
            gcLines.stream().filter(l -> l.contains("Pause Full")).count(),
            paused,
            heap == null ? "?" : heap.group(2) + " MiB of " + heap.group(3) + " MiB committed");

    // Writes in the window, per monitor, and the gaps between a monitor's writes.
    long startNanos = start;
    long endNanos = start + (long) (seconds * 1e9);
    List<Double> gaps = new ArrayList<>();
    long total = 0;
    int minPerMonitor = Integer.MAX_VALUE;
    int maxPerMonitor = 0;
    for (Monitor m : made) {
      List<Long> in =
          writes.getOrDefault(m.name(), List.of()).stream()
              .filter(t -> t >= startNanos && t < endNanos)
              .sorted()
              .toList();
      total += in.size();
      minPerMonitor = Math.min(minPerMonitor, in.size());
      maxPerMonitor = Math.max(maxPerMonitor, in.size());
      for (int i = 1; i < in.size(); i++) {
        gaps.add((in.get(i) - in.get(i - 1)) / 1e9);
      }
    }
    Collections.sort(gaps);
    double perMonitorPerMinute = total / (double) made.size() * 60 / seconds;

    probing.get(5, TimeUnit.MINUTES);
    prober.shutdown();

    // The live heap: a full collection forced after the window, with the class histogram kept.
    String histogram = jcmd(operator.pid(), "GC.class_histogram");
    Files.writeString(Path.of("target/status-scale-bench-histogram-" + n + ".txt"), histogram);
    List<String> afterGc = lines(GC_LOG);
    String live = "?";
    for (int i = afterGc.size() - 1; i >= 0; i--) {
      Matcher m = GC_PAUSE.matcher(afterGc.get(i));
      if (afterGc.get(i).contains("Pause Full") && m.find()) {
        live = m.group(2) + " MiB";
        break;
      }
    }

    // Sizes, after the window (the probes moved rxBytes, not the shape).
    long withManaged = 0;
    long without = 0;
    long status = 0;
    int entries = 0;
    for (Monitor m : made) {
      String raw =
          client.raw(
              "/apis/"
                  + TrafficMonitor.GROUP
                  + "/"
                  + TrafficMonitor.VERSION
                  + "/namespaces/"
                  + NS
                  + "/trafficmonitors/"
                  + m.name());
      ObjectNode tree = (ObjectNode) JSON.readTree(raw);
      withManaged = Math.max(withManaged, JSON.writeValueAsBytes(tree).length);
      status = Math.max(status, JSON.writeValueAsBytes(tree.get("status")).length);
      entries = Math.max(entries, tree.path("status").path("nodes").size());
      ((ObjectNode) tree.get("metadata")).remove("managedFields");
      without = Math.max(without, JSON.writeValueAsBytes(tree).length);
    }

    double pulls =
        metric(metrics1, "trafficmonitor_operator_agent_pulls_total")
            - metric(metrics0, "trafficmonitor_operator_agent_pulls_total");
    double failures =
        metric(metrics1, "trafficmonitor_operator_agent_pull_failures_total")
            - metric(metrics0, "trafficmonitor_operator_agent_pull_failures_total");
    double agentRate = (requests1 - requests0) / seconds;
    Map<String, Double> cores = new LinkedHashMap<>();
    processes.forEach(
        (name, p) ->
            cores.put(name, (ticks1.get(name) - ticks0.get(name)) / (double) CLK_TCK / seconds));
    List<Double> okLatencies = latencies.stream().filter(d -> !Double.isNaN(d)).sorted().toList();
    double p50 = okLatencies.isEmpty() ? Double.NaN : quantile(okLatencies, 0.5);
    double max = okLatencies.isEmpty() ? Double.NaN : okLatencies.get(okLatencies.size() - 1);
    double roundMean = roundSamples.stream().mapToDouble(d -> d).average().orElse(Double.NaN);
    double roundMax = roundSamples.stream().mapToDouble(d -> d).max().orElse(Double.NaN);

    report.append(String.format("## %,d nodes%n%n", n));
    report.append(
        String.format(
            "- setup: agent pods bound %.1f s after the first node create call, every status"
                + " counting %d ready nodes %.1f s after it; window %.1f s; load average %s at"
                + " the start, %s at the end%n",
            boundSeconds, n, readySeconds, seconds, load0, load1));
    report.append(
        String.format(
            "- monitor object (largest of %d, compact JSON): %,d bytes with managedFields, %,d"
                + " without; its status alone %,d bytes; status.nodes: %d entries%n",
            made.size(), withManaged, without, status, entries));
    report.append(
        String.format(
            "- status writes (resourceVersion changes seen by the bench's informer): %d in"
                + " %.1f s over %d monitors = %.2f per monitor per minute (per monitor: %d to %d);"
                + " %.2f writes/s in all; gap between a monitor's writes: min %.2f s, p50 %.2f s,"
                + " max %.2f s%n",
            total,
            seconds,
            made.size(),
            perMonitorPerMinute,
            minPerMonitor,
            maxPerMonitor,
            total / seconds,
            gaps.isEmpty() ? Double.NaN : gaps.get(0),
            gaps.isEmpty() ? Double.NaN : quantile(gaps, 0.5),
            gaps.isEmpty() ? Double.NaN : gaps.get(gaps.size() - 1)));
    report.append(
        String.format(
            "- fake agent: %.1f requests/s received (%.2f per node per %s); operator: %.1f"
                + " pulls/s, %.0f pull failures in the window, %d requests to unknown"
                + " addresses so far; pull round (the operator's gauge, sampled every 2 s): mean"
                + " %.3f s, max %.3f s; rounds as the fake agent saw them: %s%n",
            agentRate,
            agentRate / n * GoDuration.parse(STATUS_INTERVAL).toSeconds(),
            STATUS_INTERVAL,
            pulls / seconds,
            failures,
            agent.unknown.get(),
            roundMean,
            roundMax,
            agentRounds));
    StringBuilder cpu = new StringBuilder();
    cores.forEach((name, c) -> cpu.append(String.format("%s %.3f, ", name, c)));
    report.append(
        String.format(
            "- CPU over the window, in cores: %s%n- operator memory: VmRSS %s, VmHWM %s;"
                + " its GC in the window: %s; live heap after a full GC forced after the window:"
                + " %s (class histogram in target/status-scale-bench-histogram-%d.txt)%n",
            cpu.substring(0, Math.max(0, cpu.length() - 2)), rss, hwm, gc, live, n));
    report.append(
        String.format(
            "- traffic -> status (a jump of rxBytes in one agent's answer until the bench's"
                + " informer sees status.summary.rxBytes include it), %d probes: p50 %.2f s,"
                + " max %.2f s%n",
            okLatencies.size(), p50, max));
    probeLines.forEach(l -> report.append("  - ").append(l).append('\n'));
    report.append('\n');
    log("%s", report);

    return String.format(
        "| %,d | %,d B | %,d B | %,d B | %d | %.2f | %.2f | %.1f | %.3f s | %.2f s | %.3f"
            + " cores | %s | %s | %s | %.1f s / %.1f s |%n",
        n,
        withManaged,
        without,
        status,
        entries,
        perMonitorPerMinute,
        total / seconds,
        agentRate,
        roundMean,
        whole.stream().mapToDouble(d -> d).average().orElse(Double.NaN),
        cores.get("operator"),
        rss,
        hwm,
        live,
        p50,
        max);
  }

  /**
   * The single fake agent: one HTTP server on every address of the port, answering for the node
   * whose agent pod has the address the request came to.
   */
  static final class FakeAgent implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final Map<String, String> nodeByAddress = new ConcurrentHashMap<>();
    private final Map<String, Long> jumps = new ConcurrentHashMap<>();
    private final long startMillis = System.currentTimeMillis();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong unknown = new AtomicLong();

    /** When each request came, while a window records them. */
    volatile Queue<Long> stamps;

    volatile List<Monitor> monitors = List.of();

    FakeAgent() throws IOException {
      server = HttpServer.create(new InetSocketAddress(0), 4096);
      server.setExecutor(pool);
      server.createContext(AgentReport.PATH, this::handle);
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    void serve(String address, String node) {
      nodeByAddress.put(address, node);
    }

    void jump(String uid, String node, long bytes) {
      jumps.merge(uid + "/" + node, bytes, Long::sum);
    }

    private void handle(HttpExchange exchange) throws IOException {
      try {
        requests.incrementAndGet();
        Queue<Long> log = stamps;
        if (log != null) {
          log.add(System.nanoTime());
        }
        exchange.getRequestBody().readAllBytes();
        String node = nodeByAddress.get(exchange.getLocalAddress().getAddress().getHostAddress());
        if (node == null) {
          unknown.incrementAndGet();
          exchange.sendResponseHeaders(404, -1);
          return;
        }
        byte[] body = answer(node, index(node));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      } finally {
        exchange.close();
      }
    }

    byte[] answer(String node, int k) throws IOException {
      List<AgentReport.Entry> entries = new ArrayList<>(monitors.size());
      for (Monitor m : monitors) {
        entries.add(new AgentReport.Entry(NS, m.name(), m.uid(), entry(m, node, k)));
      }
      return JSON.writeValueAsBytes(new AgentReport(node, entries));
    }

    /** Plausible figures for node {@code k}: steady rates, counters growing with time. */
    NodeStatus entry(Monitor m, String node, int k) {
      double t = (System.currentTimeMillis() - startMillis) / 1000.0 + 3600;
      long rxRate = 20_000 + (k * 7_919L) % 100_000; // bytes/s
      long txRate = rxRate / 3 + 1_000;
      long rx = (long) (rxRate * t) + jumps.getOrDefault(m.uid() + "/" + node, 0L);
      long tx = (long) (txRate * t);
      NodeStatus s = new NodeStatus();
      s.setNode(node);
      s.setObservedGeneration(m.generation());
      s.setPods(2 + k % 6);
      s.setInterfaces(1);
      s.setRxBytes(rx);
      s.setTxBytes(tx);
      s.setRxPackets(rx / 900);
      s.setTxPackets(tx / 700);
      s.setRxPayloadBytes(rx * 93 / 100);
      s.setTxPayloadBytes(tx * 90 / 100);
      s.setRxBitsPerSecond(rxRate * 8);
      s.setTxBitsPerSecond(txRate * 8);
      s.setActiveFlows(5L + k % 20);
      s.setUniqueFlows(100L + k % 1000 + (long) (t / 10));
      s.setUniquePeers(10L + k % 50);
      s.setConnectionsOpened((long) (t / 2));
      s.setConnectionsClosed((long) (t / 2) - 3);
      s.setConnectionsOpen(3L + k % 7);
      s.setConnectionMeanDurationMillis(1_500L + k % 500);
      s.setRttMicros(150L + k % 300);
      s.setRetransmits((long) (t / 60));
      s.setDrops((long) (t / 600));
      String pod = "10." + (k / 250 % 250) + "." + (k % 250) + ".10";
      s.setTopFlows(
          List.of(
              flow(pod, "10.96.0.10", 41_000 + k % 1000, 8080, rxRate * 8 * 6 / 10, rx * 6 / 10),
              flow(pod, "10.96.0.20", 52_000 + k % 1000, 5432, rxRate * 8 * 3 / 10, rx * 3 / 10)));
      s.setTopTalkers(
          List.of(talker("10.96.0.10", rx * 6 / 10), talker("10.96.0.20", rx * 3 / 10)));
      s.setLastUpdate(Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
      return s;
    }

    private static Flow flow(
        String source, String destination, int sourcePort, int port, long bps, long bytes) {
      Flow f = new Flow();
      f.setSource(source);
      f.setDestination(destination);
      f.setSourcePort(sourcePort);
      f.setDestinationPort(port);
      f.setProtocol("TCP");
      f.setPod("web-" + Integer.toHexString(source.hashCode() & 0xfffff));
      f.setBytes(bytes);
      f.setPackets(bytes / 900);
      f.setBitsPerSecond(bps);
      f.setPayloadBytes(bytes * 93 / 100);
      f.setApplication(port == 8080 ? "HTTP" : "PostgreSQL");
      f.setRttMicros(180L);
      f.setRetransmits(0L);
      return f;
    }

    private static Talker talker(String address, long bytes) {
      Talker t = new Talker();
      t.setAddress(address);
      t.setBytes(bytes);
      return t;
    }

    @Override
    public void close() {
      server.stop(0);
      pool.shutdownNow();
    }
  }

  /** Nodes {@code from} (inclusive) to {@code to}, made Ready and untainted, 8 at a time. */
  private static void addNodes(KubernetesClient client, int from, int to) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int k = from; k < to; k++) {
        int index = k;
        done.add(pool.submit(() -> addNode(client, nodeName(index))));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  /**
   * As {@link TestCluster#addNode}, in three calls: the Node, its Ready status with room for pods,
   * and no taints (the API server's admission taints a new node not-ready).
   */
  private static void addNode(KubernetesClient client, String name) {
    try {
      client
          .nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .addToLabels(NODE_LABEL, NODE_LABEL_VALUE)
                  .addToLabels("kubernetes.io/hostname", name)
                  .addToLabels("kubernetes.io/os", "linux")
                  .addToLabels("kubernetes.io/arch", "amd64")
                  .endMetadata()
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    String room = "{\"cpu\": \"8\", \"memory\": \"32Gi\", \"pods\": \"110\"}";
    client
        .nodes()
        .withName(name)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\": {\"capacity\": "
                + room
                + ", \"allocatable\": "
                + room
                + ", \"conditions\": [{\"type\": \"Ready\", \"status\": \"True\","
                + " \"reason\": \"KubeletReady\", \"message\": \"stood in for by the bench\"}]}}");
    client
        .nodes()
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"taints\": null}}");
  }

  private static String nodeName(int k) {
    return String.format("%s%05d", NODE_PREFIX, k);
  }

  private static int index(String node) {
    return Integer.parseInt(node.substring(NODE_PREFIX.length()));
  }

  /** Pod k's address: 127.(200 + k / 64516).(1 + k / 254 % 254).(1 + k % 254). */
  private static String address(int k) {
    return "127." + (200 + k / 64_516) + "." + (1 + k / 254 % 254) + "." + (1 + k % 254);
  }

  /** The agent pods bound to a bench node. */
  private static List<Pod> bound(SharedIndexInformer<Pod> pods) {
    return pods.getStore().list().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(
            p ->
                p.getSpec().getNodeName() != null
                    && p.getSpec().getNodeName().startsWith(NODE_PREFIX))
        .toList();
  }

  /** Gives each bound agent pod not given one yet its node's address, 8 at a time. */
  private static int giveAddresses(
      KubernetesClient client, SharedIndexInformer<Pod> pods, FakeAgent agent, Set<String> given)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (Pod pod : bound(pods)) {
        String name = pod.getMetadata().getName();
        if (given.contains(name)) {
          continue;
        }
        String node = pod.getSpec().getNodeName();
        String address = address(index(node));
        agent.serve(address, node);
        done.add(
            pool.submit(
                () -> {
                  Agents.giveAddress(client, NS, name, address);
                  given.add(name);
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      return done.size();
    } finally {
      pool.shutdown();
    }
  }

  /**
   * Leaves the shared cluster as it was: the agent DaemonSet and its pods (no kubelet confirms a
   * graceful deletion, so they are deleted at once), the nodes, the namespace.
   */
  private static void cleanUp(TestCluster cluster) {
    // Deleting thousands of pods or nodes in one call takes longer than the default 10 s.
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(cluster.config()).withRequestTimeout(300_000).build())
            .build()) {
      client.apps().daemonSets().inNamespace(NS).delete();
      await()
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofSeconds(2))
          .ignoreExceptions()
          .until(
              () -> {
                client.pods().inNamespace(NS).withGracePeriod(0).delete();
                return client.pods().inNamespace(NS).list().getItems().isEmpty();
              });
      client.nodes().withLabel(NODE_LABEL, NODE_LABEL_VALUE).delete();
      client.namespaces().withName(NS).delete();
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(2))
          .ignoreExceptions()
          .until(
              () ->
                  client.namespaces().withName(NS).get() == null
                      && client
                          .nodes()
                          .withLabel(NODE_LABEL, NODE_LABEL_VALUE)
                          .list()
                          .getItems()
                          .isEmpty());
      log("cleaned up: namespace %s, its pods and the bench's nodes deleted", NS);
    } catch (RuntimeException e) {
      log("clean-up incomplete: %s", e);
    }
  }

  /** The packaged operator watching {@link #NS}, its agents on {@code agentPort}. */
  private static ProcessBuilder operator(
      TestCluster cluster, String jvmFlags, int agentPort, int httpPort) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(jvmFlags.split(" ")));
    cmd.addAll(
        List.of(
            "-Dtrafficmonitor.kubeconfig=" + cluster.kubeconfig(),
            "-Dtrafficmonitor.namespaces=" + NS,
            "-Dtrafficmonitor.operator.namespace=" + NS,
            "-Dtrafficmonitor.operator.identity=status-scale-bench",
            "-Dtrafficmonitor.agent.metrics-port=" + agentPort,
            "-Dquarkus.http.port=" + httpPort,
            "-Xlog:gc:file=" + GC_LOG,
            "-jar",
            "target/quarkus-app/quarkus-run.jar"));
    File log = new File("target/status-scale-bench-operator.log");
    ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
    builder.environment().put("MALLOC_ARENA_MAX", "2"); // as the chart
    return builder;
  }

  /** The operator and, on the local cluster, the control plane's processes. */
  private static Map<String, ProcessHandle> processes(TestCluster cluster, Process operator) {
    Map<String, ProcessHandle> out = new LinkedHashMap<>();
    out.put("operator", operator.toHandle());
    out.put("bench JVM (fake agent, informers)", ProcessHandle.current());
    if (cluster instanceof LocalCluster local) {
      for (ProcessHandle p : local.processHandles()) {
        String command = p.info().command().orElse("?");
        out.put(Path.of(command).getFileName().toString(), p);
      }
    }
    return out;
  }

  private static HttpClient metricsClient;

  private static String scrape(int port) {
    try {
      if (metricsClient == null) {
        metricsClient = HttpClient.newHttpClient();
      }
      return metricsClient
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      return "";
    }
  }

  /** A sample's value from Prometheus text (the first series of that name); NaN if absent. */
  private static double metric(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return Double.NaN;
  }

  private static long rxBytes(TrafficMonitor tm) {
    return tm == null
            || tm.getStatus() == null
            || tm.getStatus().getSummary() == null
            || tm.getStatus().getSummary().getRxBytes() == null
        ? 0
        : tm.getStatus().getSummary().getRxBytes();
  }

  private static double quantile(List<Double> sorted, double q) {
    int index = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, index));
  }

  /** utime + stime of a process, in clock ticks. */
  private static long ticks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String vm(long pid, String field) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith(field + ":"))
        .map(l -> l.substring(field.length() + 1).trim())
        .findFirst()
        .orElse("?");
  }

  /** A -Xlog:gc pause: heap before, after, committed (MiB), milliseconds. */
  private static final Pattern GC_PAUSE =
      Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\) (\\d+\\.\\d+)ms");

  private static List<String> lines(String file) {
    try {
      return Files.readAllLines(Path.of(file));
    } catch (IOException e) {
      return List.of();
    }
  }

  private static String jcmd(long pid, String command) {
    try {
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  Long.toString(pid),
                  command)
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(60, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e.toString();
    }
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void log(String format, Object... args) {
    System.out.printf("[status-scale %s] %s%n", Instant.now(), String.format(format, args));
  }
}
