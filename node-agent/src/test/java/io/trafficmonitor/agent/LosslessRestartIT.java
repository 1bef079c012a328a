package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.testing.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packaged agent restarted in the middle of traffic of known size, as a DaemonSet restarts it
 * (an upgrade: SIGTERM; a crash or OOM kill: SIGKILL), with its pin directory on bpffs and its
 * state directory: the programs stay attached through the restart and count into the pinned flow
 * map, the next agent adopts them and continues from the previous one's checkpoint, and the
 * monitor's status and metrics end at exactly what was sent: nothing lost, nothing counted twice.
 * An agent whose DaemonSet is gone (an uninstall) removes everything at SIGTERM.
 */
class LosslessRestartIT {
  static final int UDP_IPV4_HEADERS = 28;
  static final int BATCHES = 30;
  static final int PER_BATCH = 50;
  static final int SIZE = 100;

  @RegisterExtension
  static final AgentOnTestNode site = new AgentOnTestNode("tm-lossless-", "tmlr").packaged();

  static TestNode.TestPod a;
  static TestNode.TestPod b;
  static Path pins;
  static Path state;
  static AgentProcess agent;

  static int round;

  @BeforeAll
  static void setUp() throws Exception {
    Requirements.require(Files.isDirectory(Path.of("/sys/fs/bpf")), "bpffs at /sys/fs/bpf");
    a = site.addPod("a", 2, "db");
    b = site.addPod("b", 3, "db");
    pins = Path.of("/sys/fs/bpf/tm-test-" + site.nodeName());
    state = Files.createTempDirectory("tm-state-");
  }

  /** Every test starts from a monitor and kernel state of its own. */
  @BeforeEach
  void newMonitor() {
    round++;
    TrafficMonitor tm = Cluster.monitor(site.namespace(), "db" + round, "db", "50ms");
    tm.getSpec().setStatusInterval("1s");
    site.client().resource(tm).create();
  }

  @AfterEach
  void stopAgent() throws Exception {
    try {
      site.stopAgents();
    } finally {
      site.client()
          .resources(TrafficMonitor.class)
          .inNamespace(site.namespace())
          .withName("db" + round)
          .delete();
      removeAll(pins);
      removeAll(state);
      Files.createDirectories(state);
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    removeAll(pins);
    removeAll(state);
  }

  /** Unlinking a pin drops the kernel's reference: what it held is detached and freed. */
  static void removeAll(Path dir) throws Exception {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static AgentProcess startAgent(String tag, String daemonSet) throws Exception {
    Map<String, String> env = site.agentEnv();
    env.put("TM_BPF_PIN_DIR", pins.toString());
    env.put("TM_STATE_DIR", state.toString());
    if (daemonSet != null) {
      env.put("TM_DAEMONSET", daemonSet);
    }
    return site.startAgentProcess(round + "-" + tag, env);
  }

  static String monitorUid() {
    return site.client()
        .resources(TrafficMonitor.class)
        .inNamespace(site.namespace())
        .withName("db" + round)
        .get()
        .getMetadata()
        .getUid();
  }

  static Optional<NodeStatus> status() {
    return site.status("db" + round);
  }

  /** Sends BATCHES x PER_BATCH datagrams from a to b, a batch every 100 ms, on another thread. */
  static CompletableFuture<Void> traffic(AtomicInteger batches) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            for (int i = 0; i < BATCHES; i++) {
              a.sendUdp(b, 7300, 7301, PER_BATCH, SIZE);
              batches.incrementAndGet();
              TimeUnit.MILLISECONDS.sleep(100);
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  static long egressPackets(AgentProcess p) throws Exception {
    return Math.round(
        Scrape.sum(
            p.get("/metrics", site.scrapeToken()),
            "trafficmonitor_pod_packets_total",
            Map.of("pod_name", "a", "direction", "egress", "protocol", "UDP")));
  }

  static int count(String programs, String name) {
    int n = 0;
    for (int i = programs.indexOf(name); i >= 0; i = programs.indexOf(name, i + 1)) {
      n++;
    }
    return n;
  }

  void restartMidTraffic(boolean crash) throws Exception {
    agent = startAgent("first", null);
    Wait.until(
        "both pods attached",
        Duration.ofSeconds(30),
        () -> status().map(s -> Integer.valueOf(2).equals(s.getPods())).orElse(false));
    try (Stream<Path> links = Files.list(pins.resolve(site.nodeName()).resolve("links"))) {
      assertThat(links.count()).as("2 pods x (cgroup + veth) x 2 directions pinned").isEqualTo(8);
    }
    AtomicInteger batches = new AtomicInteger();
    CompletableFuture<Void> sending = traffic(batches);
    Wait.until("a few batches sent", Duration.ofSeconds(30), () -> batches.get() >= 5);
    long exported = egressPackets(agent);
    if (crash) {
      agent.kill();
    } else {
      assertThat(agent.stop()).isNotEqualTo(137);
    }
    agent = null;
    assertThat(count(Cgroups.attachedPrograms(a.cgroup), "tm_cg_egress"))
        .as("the programs stay attached while no agent runs")
        .isEqualTo(1);
    try (Stream<Path> links = Files.list(pins.resolve(site.nodeName()).resolve("links"))) {
      assertThat(links.count()).as("the pins stay for the next agent").isEqualTo(8);
    }
    int duringGap = batches.get();
    long gap = System.nanoTime();
    agent = startAgent("second", null);
    System.out.printf(
        "LosslessRestartIT (%s): no agent for %d ms, %d datagrams sent meanwhile%n",
        crash ? "SIGKILL" : "SIGTERM",
        (System.nanoTime() - gap) / 1_000_000,
        (long) (batches.get() - duringGap) * PER_BATCH);
    sending.get(120, TimeUnit.SECONDS);
    assertThat(batches.get()).as("traffic went on while no agent ran").isGreaterThan(duringGap);
    long total = (long) BATCHES * PER_BATCH;
    NodeStatus st =
        Wait.until(
            "the status counts every datagram",
            Duration.ofSeconds(30),
            () ->
                status()
                    .filter(s -> s.getTxPackets() != null && s.getTxPackets() >= total)
                    .filter(s -> s.getRxPackets() != null && s.getRxPackets() >= total));
    assertThat(st.getTxPackets()).as("nothing lost, nothing twice: sent").isEqualTo(total);
    assertThat(st.getRxPackets()).isEqualTo(total);
    assertThat(st.getTxBytes()).isEqualTo(total * (SIZE + UDP_IPV4_HEADERS));
    long now = egressPackets(agent);
    assertThat(now)
        .as("the counter goes on from what the first agent exported (%d)", exported)
        .isEqualTo(total)
        .isGreaterThanOrEqualTo(exported);
    assertThat(count(Cgroups.attachedPrograms(a.cgroup), "tm_cg_egress"))
        .as("one program per hook after the restart")
        .isEqualTo(1);
    assertThat(agent.tail()).contains("adopted");
    // what the operator pulls (GET /api/v1/status): the same entry, under the monitor's uid
    AgentReport report =
        Serialization.unmarshal(
            agent.get(AgentReport.PATH, OperatorTokens.token(site.client(), site.namespace())),
            AgentReport.class);
    assertThat(report.node()).isEqualTo(site.nodeName());
    assertThat(report.monitors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.uid()).isEqualTo(monitorUid());
              assertThat(e.status().getRxPackets()).isEqualTo(total);
            });
  }

  @Test
  void aCrashInTheMiddleOfTrafficLosesNothingAndCountsNothingTwice() throws Exception {
    restartMidTraffic(true);
  }

  @Test
  void anUpgradeInTheMiddleOfTrafficLosesNothingAndCountsNothingTwice() throws Exception {
    restartMidTraffic(false);
  }

  @Test
  void anAgentWhoseDaemonSetIsGoneRemovesEverythingAtShutdown() throws Exception {
    agent = startAgent("uninstalled", site.namespace() + "/no-such-daemonset");
    Wait.until(
        "both pods attached",
        Duration.ofSeconds(30),
        () -> status().map(s -> Integer.valueOf(2).equals(s.getPods())).orElse(false));
    assertThat(Files.list(pins.resolve(site.nodeName()).resolve("links")).count()).isPositive();
    agent.stop();
    agent = null;
    assertThat(Cgroups.attachedPrograms(a.cgroup)).doesNotContain("tm_cg_egress");
    try (Stream<Path> left = Files.walk(pins)) {
      assertThat(left.filter(Files::isRegularFile).toList()).as("no pin left").isEmpty();
    }
  }
}
