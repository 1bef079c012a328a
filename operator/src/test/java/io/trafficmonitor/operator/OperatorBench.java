package io.trafficmonitor.operator;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.testing.TestCluster;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not part of the build (the name matches neither *Test nor *IT): the packaged operator
 * (target/quarkus-app) runs as its own process against the local control plane; apply-to-status
 * latency (the operator's first status write) over 200 TrafficMonitors created one after the other,
 * then the operator's RSS with 1,000. With {@code -Dtm.bench.follower=true} a second replica runs
 * beside it, following (leader election), and its RSS is read too: what the chart's standby costs.
 * Run: {@code mvn -pl operator verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=OperatorBench}; results in target/operator-bench.md.
 */
class OperatorBench {
  private static final String NS = "bench";
  private static final int TIMED = 200;
  private static final int TOTAL = 1000;

  @Test
  void applyToStatusLatencyAndMemory() throws Exception {
    TestCluster cluster = TestCluster.shared();
    KubernetesClient client = cluster.client();
    OperatorHarness.installCrds(client);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();

    String jvmFlags = System.getProperty("tm.bench.jvm", "-Xmx192m -XX:+UseSerialGC");
    ProcessBuilder builder = replica(cluster, jvmFlags, "bench-leader");
    Process operator = builder.start();
    Process follower = null;
    Map<String, Long> seen = new ConcurrentHashMap<>();
    SharedIndexInformer<TrafficMonitor> informer =
        client
            .resources(TrafficMonitor.class)
            .inNamespace(NS)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(TrafficMonitor tm) {
                    onUpdate(tm, tm);
                  }

                  @Override
                  public void onUpdate(TrafficMonitor a, TrafficMonitor tm) {
                    if (tm.getStatus() != null && tm.getStatus().getObservedGeneration() != null) {
                      seen.putIfAbsent(tm.getMetadata().getName(), System.nanoTime());
                    }
                  }

                  @Override
                  public void onDelete(TrafficMonitor tm, boolean unknown) {}
                });
    try {
      // Warm up: the operator is started and reconciling.
      create(client, "warmup");
      await().atMost(Duration.ofMinutes(2)).until(() -> seen.containsKey("warmup"));
      if (Boolean.getBoolean("tm.bench.follower")) {
        follower = replica(cluster, jvmFlags, "bench-follower").start();
      }

      List<Long> latencies = new ArrayList<>();
      for (int i = 0; i < TIMED; i++) {
        String name = "timed-" + i;
        long start = System.nanoTime();
        create(client, name);
        await()
            .pollInterval(Duration.ofMillis(2))
            .atMost(Duration.ofSeconds(30))
            .until(() -> seen.containsKey(name));
        latencies.add(seen.get(name) - start);
      }
      Collections.sort(latencies);

      ExecutorService pool = Executors.newFixedThreadPool(4);
      IntStream.range(TIMED, TOTAL - 1)
          .forEach(i -> pool.submit(() -> create(client, "bulk-" + i)));
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.MINUTES);
      await()
          .pollInterval(Duration.ofSeconds(1))
          .atMost(Duration.ofMinutes(10))
          .until(() -> seen.size() >= TOTAL);
      Thread.sleep(30_000); // settle: status writes, rescheduled reconciles
      String rss = vm(operator.pid(), "VmRSS");
      String hwm = vm(operator.pid(), "VmHWM");
      String followerRss =
          follower == null
              ? ""
              : String.format(
                  "the follower replica: VmRSS %s, VmHWM %s%n",
                  vm(follower.pid(), "VmRSS"), vm(follower.pid(), "VmHWM"));

      String report =
          String.format(
                  "apply -> status over %d TrafficMonitors: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms,"
                      + " max %.1f ms%noperator with %d TrafficMonitors (%d with a status): VmRSS %s,"
                      + " VmHWM %s; JVM flags: %s, MALLOC_ARENA_MAX=%s%n",
                  TIMED,
                  ms(latencies, 0.50),
                  ms(latencies, 0.90),
                  ms(latencies, 0.99),
                  latencies.get(latencies.size() - 1) / 1e6,
                  TOTAL,
                  seen.size(),
                  rss,
                  hwm,
                  jvmFlags,
                  builder.environment().get("MALLOC_ARENA_MAX"))
              + followerRss;
      System.out.print(report);
      Files.writeString(Path.of("target/operator-bench.md"), report);
    } finally {
      informer.close();
      operator.destroy();
      operator.waitFor(30, TimeUnit.SECONDS);
      if (follower != null) {
        follower.destroy();
        follower.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** The packaged operator watching {@link #NS}, named {@code identity} in the leader Lease. */
  private static ProcessBuilder replica(TestCluster cluster, String jvmFlags, String identity) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(jvmFlags.split(" ")));
    cmd.addAll(
        List.of(
            "-Dtrafficmonitor.kubeconfig=" + cluster.kubeconfig(),
            "-Dtrafficmonitor.namespaces=" + NS,
            "-Dtrafficmonitor.operator.namespace=" + NS,
            "-Dtrafficmonitor.operator.identity=" + identity,
            "-Dquarkus.http.port=0",
            "-jar",
            "target/quarkus-app/quarkus-run.jar"));
    File log = new File("target/operator-bench-" + identity + ".log");
    ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
    // glibc's per-thread malloc arenas are the largest native cost of a JVM with many threads.
    builder.environment().put("MALLOC_ARENA_MAX", System.getProperty("tm.bench.arenas", "2"));
    return builder;
  }

  private static void create(KubernetesClient client, String name) {
    TrafficMonitor tm = Monitors.monitor(NS, name, "podSelector: {matchLabels: {app: web}}");
    tm.getMetadata().setGeneration(null);
    client.resource(tm).create();
  }

  private static double ms(List<Long> sorted, double q) {
    int index = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, index)) / 1e6;
  }

  private static String vm(long pid, String field) throws Exception {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith(field + ":"))
        .map(l -> l.substring(field.length() + 1).trim())
        .findFirst()
        .orElse("?");
  }
}
