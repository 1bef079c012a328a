package io.trafficmonitor.operator.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.Monitors;
import io.trafficmonitor.operator.OperatorHarness;
import io.trafficmonitor.operator.OperatorSettings;
import io.trafficmonitor.testing.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of the packaged operator, as the chart runs them: one leads (reconciles, keeps the
 * agent DaemonSet), the other only watches; a follower cut off from the API server stays live (not
 * ready); when the leader is killed (SIGKILL: a crash, a lost node) or stopped (SIGTERM: a roll, a
 * drain), the follower takes over. Each takeover is timed from the signal to the first status the
 * new leader writes, and the figures go to target/leader-failover.md (docs/benchmarks/operator.md
 * quotes them). Rounds: {@code -Dtm.failover.rounds} (default 4, alternating kill and stop).
 */
class LeaderElectionIT {
  private static final String NS = "it-leader";
  private static final String NAME = "failover";
  private static final Duration WAIT = Duration.ofSeconds(90);

  private static TestCluster cluster;
  private static KubernetesClient client;
  private static final List<OperatorProcess> processes = new ArrayList<>();

  @BeforeAll
  static void start() {
    cluster = TestCluster.shared();
    client = cluster.client();
    OperatorHarness.installCrds(client);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
  }

  @AfterAll
  static void stop() {
    processes.forEach(OperatorProcess::close);
  }

  /** A replica watching {@link #NS}, which is also its own namespace; its agents go nowhere. */
  private static OperatorProcess replica(String identity, Path kubeconfig) {
    OperatorProcess p =
        OperatorProcess.start(
            identity,
            kubeconfig,
            List.of(
                "trafficmonitor.namespaces=" + NS,
                "trafficmonitor.operator.namespace=" + NS,
                "trafficmonitor.agent.node-selector={\"tm-it\": \"leader\"}"));
    processes.add(p);
    await().atMost(WAIT).until(() -> p.status("/q/health/ready") == 200 || !p.alive());
    assertThat(p.alive()).as(identity + " runs (target/leader-election-%s.log)", identity).isTrue();
    return p;
  }

  private static String holder() {
    Lease lease = client.leases().inNamespace(NS).withName(OperatorSettings.LEASE).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static TrafficMonitor monitor() {
    return client.resources(TrafficMonitor.class).inNamespace(NS).withName(NAME).get();
  }

  private static boolean observed(long generation) {
    TrafficMonitor tm = monitor();
    return tm.getStatus() != null
        && Objects.equals(tm.getStatus().getObservedGeneration(), generation);
  }

  /** A spec change: only a reconcile writes its generation into status.observedGeneration. */
  private static long bump(int round) {
    return client
        .resources(TrafficMonitor.class)
        .inNamespace(NS)
        .withName(NAME)
        .edit(
            tm -> {
              tm.getSpec().setStatusInterval((10 + round) + "s");
              return tm;
            })
        .getMetadata()
        .getGeneration();
  }

  private record Takeover(String how, long exitMillis, long takeoverMillis) {}

  @Test
  void oneReplicaReconcilesAndAnotherTakesOverWhenItIsKilledOrStopped() throws IOException {
    TcpProxy proxy = proxy();
    Path proxied = kubeconfigThrough(proxy);
    OperatorProcess a = replica("replica-a", cluster.kubeconfig());
    await().atMost(WAIT).until(() -> "replica-a".equals(holder()));
    OperatorProcess b = replica("replica-b", proxied);

    TrafficMonitor tm = Monitors.monitor(NS, NAME, "statusInterval: 10s");
    tm.getMetadata().setGeneration(null);
    client.resource(tm).create();
    await().atMost(WAIT).until(() -> observed(1));

    // Only the leader reconciles and keeps the agent DaemonSet; both are ready, the follower too.
    assertThat(a.metric("trafficmonitor_operator_leader")).isEqualTo(1);
    assertThat(b.metric("trafficmonitor_operator_leader")).isZero();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(a.metric("trafficmonitor_operator_agent_daemonset_applies_total"))
                    .isGreaterThanOrEqualTo(1));
    assertThat(b.metric("trafficmonitor_operator_agent_daemonset_applies_total")).isZero();
    assertThat(a.metric("operator_sdk_reconciliations_started_total")).isPositive();
    assertThat(b.metric("operator_sdk_reconciliations_started_total")).isZero();
    assertThat(a.body("/q/health/ready")).contains("\"leader\": true");
    assertThat(b.body("/q/health/ready")).contains("\"leader\": false");

    // Without the API server the follower is not ready, but live: the kubelet leaves it running.
    proxy.cut();
    await().atMost(WAIT).until(() -> b.status("/q/health/ready") == 503);
    for (int i = 0; i < 10; i++) {
      assertThat(b.status("/q/health/live")).isEqualTo(200);
      sleep(Duration.ofSeconds(1));
    }
    proxy.restore();
    await().atMost(WAIT).until(() -> b.status("/q/health/ready") == 200);
    assertThat(b.alive()).isTrue();

    OperatorProcess leader = a;
    OperatorProcess follower = b;
    List<Takeover> takeovers = new ArrayList<>();
    int rounds = Integer.getInteger("tm.failover.rounds", 4);
    for (int round = 1; round <= rounds; round++) {
      boolean crash = round % 2 == 1;
      long signal = System.nanoTime();
      if (crash) {
        leader.kill();
      } else {
        leader.terminate();
      }
      long exited = System.nanoTime();
      long generation = bump(round);
      await().pollInterval(Duration.ofMillis(20)).atMost(WAIT).until(() -> observed(generation));
      long takenOver = System.nanoTime();
      takeovers.add(
          new Takeover(
              crash ? "SIGKILL" : "SIGTERM",
              (exited - signal) / 1_000_000,
              (takenOver - signal) / 1_000_000));

      OperatorProcess next = follower;
      assertThat(holder()).isEqualTo(next.identity);
      assertThat(next.metric("trafficmonitor_operator_leader")).isEqualTo(1);
      // The new leader applies the DaemonSet on its own thread, concurrently with reconciling:
      // its first status may come before that apply has returned.
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(next.metric("trafficmonitor_operator_agent_daemonset_applies_total"))
                      .isGreaterThanOrEqualTo(1));
      leader = next;
      follower = replica("replica-" + (char) ('b' + round), cluster.kubeconfig());
    }
    proxy.close();

    String report = report(takeovers);
    System.out.print(report);
    Files.writeString(Path.of("target/leader-failover.md"), report);
    // A crash waits for the Lease to run out (15 s after the last renewal, renewed every 2 s),
    // plus the follower's retry period (2 s, jittered up to 4.4 s); a stop releases the Lease.
    assertThat(takeovers)
        .filteredOn(t -> t.how().equals("SIGKILL"))
        .allSatisfy(t -> assertThat(t.takeoverMillis()).isLessThan(25_000));
    assertThat(takeovers)
        .filteredOn(t -> t.how().equals("SIGTERM"))
        .allSatisfy(t -> assertThat(t.takeoverMillis()).isLessThan(10_000));
    client.resource(monitor()).delete();
  }

  private static String report(List<Takeover> takeovers) {
    StringBuilder s =
        new StringBuilder("| leader stopped by | its exit | first status by the new leader |\n");
    s.append("|---|---|---|\n");
    for (Takeover t : takeovers) {
      s.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f s | %.1f s |%n",
              t.how(),
              t.exitMillis() / 1000.0,
              t.takeoverMillis() / 1000.0));
    }
    return s.toString();
  }

  private static TcpProxy proxy() throws IOException {
    Matcher m = server(Files.readString(cluster.kubeconfig()));
    return new TcpProxy(m.group(1), Integer.parseInt(m.group(2)));
  }

  /** The cluster's kubeconfig, with the server behind {@code proxy}. */
  private static Path kubeconfigThrough(TcpProxy proxy) throws IOException {
    String yaml = Files.readString(cluster.kubeconfig());
    Matcher m = server(yaml);
    Path file = Files.createTempFile(Path.of("target"), "kubeconfig-proxied-", ".yaml");
    Files.writeString(
        file, yaml.substring(0, m.start(2)) + proxy.port() + yaml.substring(m.end(2)));
    return file.toAbsolutePath();
  }

  private static Matcher server(String kubeconfig) {
    Matcher m = Pattern.compile("server: https://([^:/\\s]+):(\\d+)").matcher(kubeconfig);
    if (!m.find()) {
      throw new IllegalStateException("no server in the cluster's kubeconfig");
    }
    return m;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
