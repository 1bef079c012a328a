package io.trafficmonitor.operator.live;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.live.IntervalReportList;
import io.trafficmonitor.api.live.LiveApi;
import io.trafficmonitor.api.v1alpha1.GoDuration;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.Agents;
import io.trafficmonitor.operator.Monitors;
import io.trafficmonitor.operator.OperatorHarness;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import io.trafficmonitor.testing.LocalCluster;
import io.trafficmonitor.testing.ServingCert;
import io.trafficmonitor.testing.Sh;
import io.vertx.core.Vertx;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not part of the build (the name matches neither *Test nor *IT): what a watcher of the
 * live API costs the operator and the API server. The packaged operator (target/quarkus-app, the
 * chart's JVM options) runs as its own process against the local control plane, its live API behind
 * an APIService as the chart makes it; two fake nodes get an agent pod each from the DaemonSet
 * controller, answered by {@link IntervalAgents} (a record per interval, an event per interval per
 * stream). For each interval (10 ms, 1 s) and 0, 1, 10, 100 {@link StreamWatcher}s of the monitor
 * through the API server: a warm-up, then a window in which the CPU (utime + stime from /proc) of
 * the operator, the kube-apiserver and this JVM (agents and watchers) is read, with the events each
 * watcher got and the operator's RSS.
 *
 * <p>Run (after {@code mvn -o -pl operator -am package -DskipTests}): {@code mvn -o -pl operator
 * -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=LiveApiBench
 * -Dfailsafe.failIfNoSpecifiedTests=false}; results in target/live-api-bench.md. Properties: {@code
 * tm.bench.watchers} (0,1,10,100), {@code tm.bench.intervals} (1s,10ms: 100 watchers at 10 ms
 * exhaust the operator's heap on a 2-core machine, see docs/benchmarks/live-api.md), {@code
 * tm.bench.window} (20 s), {@code tm.bench.warmup} (5 s), {@code tm.bench.jvm} (the chart's
 * operator.javaOptions).
 */
class LiveApiBench {
  private static final String NS = "live-bench";
  private static final String MONITOR = "web";
  private static final String USER = "watcher";
  private static final List<String> NODES = List.of("lab-a", "lab-b");
  private static final int WINDOW = Integer.getInteger("tm.bench.window", 20);
  private static final int WARMUP = Integer.getInteger("tm.bench.warmup", 5);
  private static final long CLK_TCK = 100;

  private static LocalCluster cluster;

  private record Sample(
      long operator, long apiServer, long bench, long busy, long total, long at) {}

  @Test
  void operatorAndApiServerCpuPerWatcher() throws Exception {
    cluster = LocalCluster.shared();
    KubernetesClient client = cluster.client();
    OperatorHarness.installCrds(client);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
    String intervals = System.getProperty("tm.bench.intervals", "1s,10ms");
    String first = intervals.split(",")[0];
    TrafficMonitor tm =
        Monitors.monitor(NS, MONITOR, "podSelector: {matchLabels: {app: web}}\ninterval: " + first);
    tm.getMetadata().setGeneration(null);
    tm = client.resource(tm).create();

    // The live API's endpoint: an address an Endpoints object accepts (not 127/8), on loopback.
    String liveAddress = "10.214." + ThreadLocalRandom.current().nextInt(0, 250) + ".1";
    Sh.ok("ip addr add " + liveAddress + "/32 dev lo");
    Vertx vertx = Vertx.vertx();
    Process operator = null;
    IntervalAgents agents = null;
    try {
      int agentPort = LocalCluster.freePort();
      agents = new IntervalAgents(vertx, agentPort, NS, MONITOR, GoDuration.parse(first));
      agents.monitor(tm.getMetadata().getUid(), tm.getMetadata().getGeneration());
      Path dir = Files.createTempDirectory(Path.of("target"), "live-api-bench-");
      ServingCert cert =
          ServingCert.generate(dir, "live", List.of("live." + NS + ".svc"), List.of(liveAddress));
      Files.copy(cert.cert(), dir.resolve("tls.crt"));
      Files.copy(cert.key(), dir.resolve("tls.key"));
      int livePort = LocalCluster.freePort();
      String jvm = System.getProperty("tm.bench.jvm", OperatorHarness.chartJavaOptions());
      // A fixed port: Quarkus tags a server's meters with server.port only when its port is not 0,
      // and Prometheus refuses two servers' meters of one name with different tags.
      int httpPort = LocalCluster.freePort();
      operator = operator(cluster, jvm, agentPort, livePort, httpPort, dir).start();
      log(
          "operator pid %d, agents on port %d, live API on %d",
          operator.pid(), agentPort, livePort);

      for (int k = 0; k < NODES.size(); k++) {
        cluster.addNode(NODES.get(k), Map.of("trafficmonitor.io/bench", "live-api"));
      }
      for (int k = 0; k < NODES.size(); k++) {
        String node = NODES.get(k);
        Process op = operator;
        await()
            .atMost(Duration.ofMinutes(2))
            .until(() -> alive(op) && agentPod(client, node) != null);
        String address = "127.212.0." + (k + 1);
        agents.serve(address, node, k);
        Agents.giveAddress(client, NS, agentPod(client, node).getMetadata().getName(), address);
      }
      LiveApiSetup.apiService(cluster, NS, liveAddress, livePort, cert.ca());
      LiveApiSetup.reader(client, NS, USER);

      String apiServer = cluster.url().replaceAll("/$", "");
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1) // a connection per watcher, as a process each
              .sslContext(SSLUtils.sslContext(cluster.config()))
              .build();
      await()
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> everyNodeAnswers(http, apiServer));
      ProcessHandle apiServerProcess =
          cluster.processHandles().stream()
              .filter(p -> p.info().command().orElse("").endsWith("kube-apiserver"))
              .findFirst()
              .orElseThrow();

      StringBuilder md = new StringBuilder();
      md.append(
          String.format(
              "# LiveApiBench%n%n%s, %d cores, load average at start %s, JDK %s; operator JVM"
                  + " options `%s`, MALLOC_ARENA_MAX=2; %d agents; a watcher is a poll then a"
                  + " stream through the API server (HTTP/1.1, user %s impersonated); %d s"
                  + " warm-up, %d s window%n%n",
              Instant.now(),
              Runtime.getRuntime().availableProcessors(),
              loadAverage(),
              System.getProperty("java.version"),
              jvm,
              NODES.size(),
              USER,
              WARMUP,
              WINDOW));
      md.append(
          "| interval | watchers | operator CPU (cores) | kube-apiserver CPU (cores) | bench JVM:"
              + " agents + watchers (cores) | machine busy (of 2 cores) | events per watcher per"
              + " second | operator VmRSS |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
      int[] counts =
          Arrays.stream(System.getProperty("tm.bench.watchers", "0,1,10,100").split(","))
              .mapToInt(Integer::parseInt)
              .toArray();
      // Warm-up of the whole path (the operator's JIT, the API server's proxy): 10 watchers, 10 s.
      run(http, apiServer, agents, operator, apiServerProcess, 10, 10, 0);
      List<String> slopes = new ArrayList<>();
      boolean stopped = false;
      for (String interval : intervals.split(",")) {
        if (stopped) {
          break;
        }
        TrafficMonitor edited =
            client
                .resources(TrafficMonitor.class)
                .inNamespace(NS)
                .withName(MONITOR)
                .edit(
                    m -> {
                      m.getSpec().setInterval(interval);
                      return m;
                    });
        agents.monitor(edited.getMetadata().getUid(), edited.getMetadata().getGeneration());
        agents.interval(GoDuration.parse(interval));
        Thread.sleep(3_000);
        double[][] rows = new double[counts.length][];
        for (int i = 0; i < counts.length; i++) {
          rows[i] =
              run(http, apiServer, agents, operator, apiServerProcess, counts[i], WARMUP, WINDOW);
          String row =
              String.format(
                  "| %s | %s | %.3f | %.3f | %.3f | %.0f %% | %s | %s |%n",
                  interval,
                  rows[i][5] == counts[i]
                      ? Integer.toString(counts[i])
                      : String.format("%d (of %d asked)", (int) rows[i][5], counts[i]),
                  rows[i][0],
                  rows[i][1],
                  rows[i][2],
                  rows[i][3] * 100,
                  counts[i] == 0 ? "—" : String.format("%.1f", rows[i][4]),
                  operator.isAlive() ? rssMib(operator.pid()) : "exited");
          md.append(row);
          log("row: %s", row.strip());
          if (!operator.isAlive() || rows[i][6] > 0) {
            md.append(
                String.format(
                    "%nStopped at %s with %d watchers: %s%n%n",
                    interval,
                    counts[i],
                    operator.isAlive()
                        ? "the operator did not end its agent streams within 30 s of the"
                            + " watchers' end"
                        : "the operator exited"));
            stopped = true;
            break;
          }
        }
        int last = counts.length - 1;
        if (counts[0] == 0 && rows[last] != null && rows[last][5] > 0) {
          slopes.add(
              String.format(
                  "at %s, from 0 to %d open watchers, per watcher: operator %.4f cores,"
                      + " kube-apiserver %.4f cores, bench JVM %.4f cores",
                  interval,
                  (int) rows[last][5],
                  (rows[last][0] - rows[0][0]) / rows[last][5],
                  (rows[last][1] - rows[0][1]) / rows[last][5],
                  (rows[last][2] - rows[0][2]) / rows[last][5]));
        }
      }
      md.append("\n");
      slopes.forEach(s -> md.append(s).append("\n\n"));
      List<String> opLog = Files.readAllLines(Path.of("target/live-api-bench-operator.log"));
      md.append(
          String.format(
              "operator log: %d WARN, %d ERROR lines, %d OutOfMemoryError"
                  + " (target/live-api-bench-operator.log; its GC: live-api-bench-gc.log)%n",
              opLog.stream().filter(l -> l.contains(" WARN ")).count(),
              opLog.stream().filter(l -> l.contains(" ERROR ")).count(),
              opLog.stream().filter(l -> l.contains("OutOfMemoryError")).count()));
      System.out.print(md);
      Files.writeString(Path.of("target/live-api-bench.md"), md.toString());
    } finally {
      if (operator != null) {
        operator.destroy();
        if (!operator.waitFor(30, TimeUnit.SECONDS)) {
          operator.destroyForcibly();
        }
      }
      if (agents != null) {
        agents.close();
      }
      vertx.close();
      cluster.kubectl("delete", "apiservice", LiveApi.API_SERVICE, "--ignore-not-found");
      Sh.quiet("ip addr del " + liveAddress + "/32 dev lo");
    }
  }

  /**
   * {@code n} watchers: opened, {@code warmup} s, then a window of {@code window} s; closed.
   * Returns the operator's, the API server's and this JVM's CPU (cores), the machine's busy share
   * and the events per watcher per second in the window.
   */
  private static double[] run(
      HttpClient http,
      String apiServer,
      IntervalAgents agents,
      Process operator,
      ProcessHandle apiServerProcess,
      int n,
      int warmup,
      int window)
      throws Exception {
    List<StreamWatcher> watchers = new ArrayList<>();
    double[] row;
    try {
      long asked = System.nanoTime();
      long pollBytes = 0;
      for (int i = 0; i < n; i++) {
        // One after the other, as people start kubectl: each polls (every record the agents
        // keep), then streams from the poll's cursor.
        StreamWatcher w = new StreamWatcher(http, apiServer, USER, NS, MONITOR);
        watchers.add(w);
        pollBytes = Math.max(pollBytes, w.polled.get(90, TimeUnit.SECONDS));
      }
      long giveUp = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!watchers.stream().allMatch(StreamWatcher::settled) && System.nanoTime() < giveUp) {
        Thread.sleep(100);
      }
      log(
          "%d watchers settled in %.1f s (largest poll %,d bytes): statuses %s%s",
          n,
          (System.nanoTime() - asked) / 1e9,
          pollBytes,
          statuses(watchers),
          watchers.stream()
              .map(StreamWatcher::refusal)
              .filter(r -> r != null)
              .findFirst()
              .map(r -> ", first refusal: " + r.strip())
              .orElse(""));
      Thread.sleep(warmup * 1000L);
      if (window > 0) {
        // The API server's priority levels (API Priority and Fairness): seats in use, queued.
        Files.writeString(
            Path.of("target/live-api-bench-apf-" + n + ".txt"),
            cluster
                .kubectl("get", "--raw", "/debug/api_priority_and_fairness/dump_priority_levels")
                .stdout());
      }
      long events0 = events(watchers);
      Sample s0 = sample(operator, apiServerProcess);
      Thread.sleep(window * 1000L);
      Sample s1 = sample(operator, apiServerProcess);
      long events = events(watchers) - events0;
      double seconds = (s1.at() - s0.at()) / 1e9;
      long open = watchers.stream().filter(StreamWatcher::open).count();
      log(
          "%d watchers, %d open at the end (statuses %s): %d events in %.1f s; agent streams %d",
          n, open, statuses(watchers), events, seconds, agents.streams());
      row =
          new double[] {
            (s1.operator() - s0.operator()) / (double) CLK_TCK / seconds,
            (s1.apiServer() - s0.apiServer()) / (double) CLK_TCK / seconds,
            (s1.bench() - s0.bench()) / (double) CLK_TCK / seconds,
            (s1.busy() - s0.busy()) / (double) (s1.total() - s0.total()),
            open == 0 ? 0 : events / (double) open / seconds,
            open,
            0
          };
    } finally {
      watchers.forEach(StreamWatcher::close);
    }
    row[6] = settles(agents) ? 0 : 1;
    return row;
  }

  /**
   * Whether the operator ends its agent streams within 30 s once the watchers are gone (the API
   * server ends the operator's response, the operator its agent streams); then a pause.
   */
  private static boolean settles(IntervalAgents agents) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (agents.streams() > 0 && System.nanoTime() < until) {
      Thread.sleep(200);
    }
    Thread.sleep(2_000);
    return agents.streams() == 0;
  }

  /** How many watchers got each status (0: none yet; -1: failed). */
  private static Map<Integer, Long> statuses(List<StreamWatcher> watchers) {
    return watchers.stream()
        .collect(Collectors.groupingBy(StreamWatcher::status, TreeMap::new, Collectors.counting()));
  }

  private static long events(List<StreamWatcher> watchers) {
    return watchers.stream().mapToLong(w -> w.events.get()).sum();
  }

  private static Sample sample(Process operator, ProcessHandle apiServer) throws Exception {
    long[] cpu = machine();
    return new Sample(
        ticks(operator.pid()),
        ticks(apiServer.pid()),
        ticks(ProcessHandle.current().pid()),
        cpu[0],
        cpu[1],
        System.nanoTime());
  }

  /** Whether a poll through the API server gets every node's report. */
  private static boolean everyNodeAnswers(HttpClient http, String apiServer) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(apiServer + LiveApi.intervalsPath(NS, MONITOR)))
                .header("Impersonate-User", USER)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    log("poll: %d %s", r.statusCode(), r.body().length() > 300 ? "(...)" : r.body());
    return r.statusCode() == 200
        && Serialization.unmarshal(r.body(), IntervalReportList.class).items().size()
            == NODES.size();
  }

  private static Pod agentPod(KubernetesClient client, String node) {
    return client
        .pods()
        .inNamespace(NS)
        .withLabelSelector(AgentDaemonSet.SELECTOR)
        .list()
        .getItems()
        .stream()
        .filter(p -> node.equals(p.getSpec().getNodeName()))
        .findFirst()
        .orElse(null);
  }

  private static boolean alive(Process operator) {
    if (!operator.isAlive()) {
      throw new AssertionError("the operator exited: see target/live-api-bench-operator.log");
    }
    return true;
  }

  /** The packaged operator watching {@link #NS}, its own namespace too, with its live API on. */
  private static ProcessBuilder operator(
      LocalCluster cluster, String jvm, int agentPort, int livePort, int httpPort, Path tlsDir) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(jvm.split(" ")));
    cmd.addAll(
        List.of(
            "-Dtrafficmonitor.kubeconfig=" + cluster.kubeconfig(),
            "-Dtrafficmonitor.namespaces=" + NS,
            "-Dtrafficmonitor.operator.namespace=" + NS,
            "-Dtrafficmonitor.operator.identity=live-api-bench",
            "-Dtrafficmonitor.agent.metrics-port=" + agentPort,
            "-Dtrafficmonitor.operator.live.port=" + livePort,
            "-Dtrafficmonitor.operator.live.tls-dir=" + tlsDir.toAbsolutePath(),
            "-Dquarkus.http.port=" + httpPort,
            "-Xlog:gc:file=target/live-api-bench-gc.log",
            "-jar",
            "target/quarkus-app/quarkus-run.jar"));
    ProcessBuilder b =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(new File("target/live-api-bench-operator.log"));
    b.environment().put("MALLOC_ARENA_MAX", "2"); // as the chart
    return b;
  }

  /** utime + stime of a process, in clock ticks. */
  private static long ticks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** The machine's busy and total ticks (all CPUs) from /proc/stat. */
  private static long[] machine() throws Exception {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < Math.min(f.length, 9); i++) {
      total += Long.parseLong(f[i]);
    }
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle, iowait
    return new long[] {total - idle, total};
  }

  /** VmRSS of a process, in MiB. */
  private static String rssMib(long pid) throws Exception {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("VmRSS:"))
        .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024 + " MiB")
        .findFirst()
        .orElse("?");
  }

  private static String loadAverage() throws Exception {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
    return f[0] + " " + f[1] + " " + f[2];
  }

  private static void log(String format, Object... args) {
    System.out.printf("[live-api-bench %s] %s%n", Instant.now(), String.format(format, args));
  }
}
