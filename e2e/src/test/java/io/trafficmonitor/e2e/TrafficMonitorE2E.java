package io.trafficmonitor.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.trafficmonitor.testing.Await;
import io.trafficmonitor.testing.ClusterExtension;
import io.trafficmonitor.testing.FakeKubelet;
import io.trafficmonitor.testing.PodProcessRunner;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.PrometheusServer;
import io.trafficmonitor.testing.TestCluster;
import io.trafficmonitor.testing.Tools;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The user's flow: kubectl apply a TrafficMonitor; the operator (run from the chart's Deployment)
 * creates the agent DaemonSet; the agents (one per node, each for its node's network namespace)
 * attach to the selected pods; traffic of known size shows up in {@code kubectl get tm} and in the
 * status' per-node entries, equal to what the generator sent.
 */
@ExtendWith(ClusterExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrafficMonitorE2E {
  static final ResourceDefinitionContext TM =
      new ResourceDefinitionContext.Builder()
          .withGroup("trafficmonitor.io")
          .withVersion("v1alpha1")
          .withPlural("trafficmonitors")
          .withKind("TrafficMonitor")
          .withNamespaced(true)
          .build();
  static final String NS = "shop";

  static Rig rig;
  static FakeKubelet.RigPod webA;
  static FakeKubelet.RigPod webB;
  static FakeKubelet.RigPod client;

  @BeforeAll
  static void up(TestCluster cluster) {
    rig = Rig.start(cluster, "node-a", "node-b");
    cluster
        .client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
    webA = rig.kubelet.start("node-a", NS, "web-a", Map.of("app", "web"));
    webB = rig.kubelet.start("node-b", NS, "web-b", Map.of("app", "web"));
    client = rig.kubelet.start("node-a", NS, "client", Map.of("app", "client"));
    await(
        "the operator pod runs", Duration.ofSeconds(60), () -> rig.operator.running().size() == 1);
  }

  @AfterAll
  static void down() {
    if (rig != null) {
      rig.cluster.kubectl("delete", "trafficmonitors", "--all", "-n", NS, "--wait=true");
      rig.close();
      // Nothing left behind: no namespace, cgroup, BPF program or link of ours.
      assertThat(io.trafficmonitor.testing.Sh.ok("ip netns list")).doesNotContain("tm-");
      assertThat(java.nio.file.Files.exists(rig.kubelet.cgroupRoot().resolve("kubepods.slice")))
          .isFalse();
      assertThat(io.trafficmonitor.testing.Sh.ok("bpftool prog show")).doesNotContain(" name tm_");
    }
  }

  static void await(String what, Duration limit, Supplier<Boolean> condition) {
    Await.until(
        what,
        limit,
        () -> Boolean.TRUE.equals(condition.get()),
        () ->
            "agent logs in " + rig.agents.logDir() + ", operator logs in " + rig.operator.logDir());
  }

  static GenericKubernetesResource monitor(String name) {
    return rig.cluster.client().genericKubernetesResources(TM).inNamespace(NS).withName(name).get();
  }

  @SuppressWarnings("unchecked")
  static Optional<Map<String, Object>> nodeEntry(String monitor, String node) {
    GenericKubernetesResource tm = monitor(monitor);
    if (tm == null || tm.get("status") == null) {
      return Optional.empty();
    }
    List<Map<String, Object>> nodes = tm.get("status", "nodes");
    if (nodes == null) {
      return Optional.empty();
    }
    return nodes.stream().filter(n -> node.equals(n.get("node"))).findFirst();
  }

  static long number(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v == null ? 0 : ((Number) v).longValue();
  }

  /** Applies the "web" monitor of the rig's web pods, 500 ms interval, plus these spec lines. */
  static void applyWebMonitor(String... specLines) {
    StringBuilder m =
        new StringBuilder(
            """
            apiVersion: trafficmonitor.io/v1alpha1
            kind: TrafficMonitor
            metadata: {name: web, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: web}}
              nodeSelector: {trafficmonitor.io/rig: "true"}
              interval: 500ms
            """);
    for (String l : specLines) {
      m.append("  ").append(l).append('\n');
    }
    rig.cluster.kubectlWithInput(m.toString(), "apply", "-f", "-").orThrow();
  }

  /** Runs the generator in {@code pod}; returns its SUMMARY line. */
  static String generate(FakeKubelet.RigPod pod, String... args) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                PodProcessRunner.java(),
                "-jar",
                Tools.trafficgenJar().toString(),
                "client",
                "--quiet"));
    cmd.addAll(List.of(args));
    Process p = rig.kubelet.exec(pod, cmd);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().filter(l -> l.startsWith("SUMMARY")).findFirst().orElseThrow();
  }

  static Process server(FakeKubelet.RigPod pod, String protocol, int port) throws Exception {
    Process p =
        rig.kubelet.exec(
            pod,
            List.of(
                PodProcessRunner.java(),
                "-jar",
                Tools.trafficgenJar().toString(),
                "server",
                "--protocol",
                protocol,
                "--listen",
                pod.ip() + ":" + port,
                "--quiet"));
    String first = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
    assertThat(first).startsWith("LISTENING");
    return p;
  }

  static long field(String summary, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(summary);
    assertThat(m.find()).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  @Order(1)
  void applyThenCountsEqualTheGenerator() throws Exception {
    String manifest =
        """
        apiVersion: trafficmonitor.io/v1alpha1
        kind: TrafficMonitor
        metadata: {name: web, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: web}}
          nodeSelector: {trafficmonitor.io/rig: "true"}
          interval: 500ms
        """;
    ProcessResult apply = rig.cluster.kubectlWithInput(manifest, "apply", "-f", "-").orThrow();
    assertThat(apply.stdout()).contains("trafficmonitor.trafficmonitor.io/web created");
    await("two agents run", Duration.ofSeconds(60), () -> rig.agents.running().size() == 2);
    await(
        "both agents report",
        Duration.ofSeconds(90),
        () ->
            nodeEntry("web", "node-a").isPresent()
                && nodeEntry("web", "node-b").isPresent()
                && number(nodeEntry("web", "node-b").get(), "pods") == 1);

    long rxBefore = number(nodeEntry("web", "node-b").get(), "rxPackets");
    long rxBytesBefore = number(nodeEntry("web", "node-b").get(), "rxBytes");
    Process srv = server(webB, "udp", 7000);
    try {
      String summary =
          generate(
              client,
              "--protocol",
              "udp",
              "--target",
              webB.ip() + ":7000",
              "--count",
              "3000",
              "--size",
              "1000",
              "--rate",
              "8Mbit");
      long sentPackets = field(summary, "messages");
      long sentL3 = field(summary, "l3Bytes");
      assertThat(sentPackets).isEqualTo(3000);
      await(
          "node-b's entry counts the datagrams",
          Duration.ofSeconds(30),
          () -> number(nodeEntry("web", "node-b").get(), "rxPackets") - rxBefore >= sentPackets);
      Map<String, Object> b = nodeEntry("web", "node-b").get();
      long packets = number(b, "rxPackets") - rxBefore;
      long bytes = number(b, "rxBytes") - rxBytesBefore;
      assertThat((double) packets)
          .isCloseTo(sentPackets, org.assertj.core.data.Percentage.withPercentage(1));
      assertThat((double) bytes)
          .isCloseTo(sentL3, org.assertj.core.data.Percentage.withPercentage(1));
    } finally {
      srv.toHandle().destroy();
    }

    ProcessResult get = rig.cluster.kubectl("get", "trafficmonitors", "-n", NS).orThrow();
    assertThat(get.stdout())
        .contains("NAME", "PODS", "NODES", "RX", "TX", "FLOWS", "READY", "AGE", "web");
    ProcessResult yaml = rig.cluster.kubectl("get", "tm", "web", "-n", NS, "-o", "yaml").orThrow();
    assertThat(yaml.stdout()).contains("node: node-a", "node: node-b", "rxPackets");
  }

  /**
   * A real Prometheus scraping every running agent each second, with the chart's alert rules
   * rendered with {@code chartSetting} (say, a short window for the test) into {@code rules}.
   */
  private PrometheusServer prometheusWithAlertRules(Path rules, String chartSetting)
      throws Exception {
    Rig.writeAlertRules(rules, chartSetting);
    List<String> targets = rig.agents.running().stream().map(r -> "127.0.0.1:" + r.port()).toList();
    return PrometheusServer.start(
        targets, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of(rules));
  }

  @Test
  @Order(2)
  void prometheusAgreesWithTheGeneratorAndTheBandwidthAlertFiresAndResolves() throws Exception {
    // A limit of 100 kB/s on the monitor; the agents export it, the chart's rule compares.
    applyWebMonitor("alerts: {maxBytesPerSecond: 100000}");
    Path rules = Files.createTempFile("tm-rules", ".yaml");
    try (PrometheusServer prom =
        prometheusWithAlertRules(rules, "prometheusRule.bandwidthWindow=5s")) {
      await(
          "Prometheus scrapes both agents",
          Duration.ofSeconds(30),
          () -> prom.targetHealth().equals(List.of("up", "up")));
      String query =
          "sum(trafficmonitor_bytes_total{pod=\"web-b\", direction=\"ingress\", interface=\"cgroup\"})";
      await(
          "the limit is exported",
          Duration.ofSeconds(30),
          () ->
              prom.scalar("max(trafficmonitor_limit_bytes_per_second{monitor=\"web\"})").orElse(0.0)
                  == 100000.0);
      await("web-b's series exist", Duration.ofSeconds(30), () -> prom.scalar(query).isPresent());
      double before = prom.scalar(query).orElseThrow();
      Process srv = server(webB, "udp", 7001);
      try {
        // 400 kB/s for 12 s: four times the limit.
        String summary =
            generate(
                client,
                "--protocol",
                "udp",
                "--target",
                webB.ip() + ":7001",
                "--rate",
                "3.2Mbit",
                "--size",
                "1000",
                "--duration",
                "12s");
        assertThat(prom.alerts("TrafficMonitorBandwidthAboveLimit", "firing"))
            .as("the alert fires while traffic is above the limit")
            .isNotEmpty();
        long sent = field(summary, "l3Bytes");
        await(
            "Prometheus sees all the bytes",
            Duration.ofSeconds(20),
            () -> prom.scalar(query).orElse(0.0) - before >= sent * 0.99);
        assertThat(prom.scalar(query).orElseThrow() - before)
            .isCloseTo(sent, org.assertj.core.data.Percentage.withPercentage(1));
      } finally {
        srv.toHandle().destroy();
      }
      await(
          "the alert resolves after the traffic stops",
          Duration.ofSeconds(30),
          () -> prom.alerts("TrafficMonitorBandwidthAboveLimit", "firing").isEmpty());
    } finally {
      Files.deleteIfExists(rules);
    }
  }

  @Test
  @Order(3)
  void invalidResourceIsRefusedWithAReadableMessage() {
    String bad =
        """
        apiVersion: trafficmonitor.io/v1alpha1
        kind: TrafficMonitor
        metadata: {name: bad, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: web}}
          interval: 1ms
        """;
    ProcessResult r = rig.cluster.kubectlWithInput(bad, "apply", "-f", "-");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).contains("interval");
    assertThat(monitor("bad")).isNull();
  }

  @Test
  @Order(4)
  @SuppressWarnings("unchecked")
  void sequenceLossIsCountedExactlyAndThePacketLossAlertFires() throws Exception {
    // Loss from sequence numbers, limited to 1%; the sender leaves out every 20th number (5%).
    applyWebMonitor("sequence: {protocol: UDP, offset: 0}", "alerts: {maxPacketLossRatio: 0.01}");
    Path rules = Files.createTempFile("tm-rules", ".yaml");
    try (PrometheusServer prom = prometheusWithAlertRules(rules, "prometheusRule.ratioWindow=5s")) {
      await(
          "the agents apply the spec (the loss limit is exported)",
          Duration.ofSeconds(30),
          () ->
              prom.scalar("min(trafficmonitor_limit_packet_loss_ratio{monitor=\"web\"})")
                      .orElse(0.0)
                  == 0.01);
      Map<String, Object> before = nodeEntry("web", "node-b").orElseThrow();
      Map<String, Object> seq0 =
          before.get("sequence") == null ? Map.of() : (Map<String, Object>) before.get("sequence");
      Process srv = server(webB, "udp", 7002);
      String summary;
      try {
        summary =
            generate(
                client,
                "--protocol",
                "udp",
                "--target",
                webB.ip() + ":7002",
                "--rate",
                "800kbit",
                "--size",
                "100",
                "--duration",
                "10s",
                "--sequence-offset",
                "0",
                "--skip-every",
                "20");
        assertThat(prom.alerts("TrafficMonitorPacketLossAboveLimit", "firing"))
            .as("the alert fires while 5% of the numbers are missing")
            .isNotEmpty();
      } finally {
        srv.toHandle().destroy();
      }
      long sent = field(summary, "messages");
      long skipped = field(summary, "skipped");
      assertThat(skipped).isPositive();
      await(
          "node-b's status counts every datagram",
          Duration.ofSeconds(30),
          () -> {
            Object q = nodeEntry("web", "node-b").orElseThrow().get("sequence");
            return q != null
                && number((Map<String, Object>) q, "received") - number(seq0, "received") >= sent;
          });
      Map<String, Object> q =
          (Map<String, Object>) nodeEntry("web", "node-b").orElseThrow().get("sequence");
      assertThat(number(q, "received") - number(seq0, "received")).isEqualTo(sent);
      assertThat(number(q, "lost") - number(seq0, "lost")).isEqualTo(skipped);
      assertThat(number(q, "smallGaps") - number(seq0, "smallGaps")).isEqualTo(skipped);
      assertThat(number(q, "reverse") - number(seq0, "reverse")).isZero();
      // the pod's cgroup series (its veth's series sees the same packets)
      String lostQuery =
          "sum(trafficmonitor_sequence_lost_packets_total{monitor=\"web\","
              + " interface=\"cgroup\"})";
      long lost = number(q, "lost");
      await(
          "Prometheus scrapes the same loss",
          Duration.ofSeconds(20),
          () -> prom.scalar(lostQuery).orElse(0.0) == (double) lost);
    } finally {
      Files.deleteIfExists(rules);
    }
  }

  @Test
  @Order(5)
  void deletedPodIsDetached() {
    rig.kubelet.delete(NS, "web-a");
    await(
        "node-a reports no pod",
        Duration.ofSeconds(60),
        () -> nodeEntry("web", "node-a").map(e -> number(e, "pods") == 0).orElse(false));
  }

  @Test
  @Order(6)
  void selectorChangeMovesTheAgentsToOtherPodsWithoutARestart() {
    List<Long> pids = rig.agents.running().stream().map(r -> r.process().pid()).sorted().toList();
    rig.cluster
        .kubectl(
            "patch",
            "tm",
            "web",
            "-n",
            NS,
            "--type",
            "merge",
            "-p",
            "{\"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"client\"}}}}")
        .orThrow();
    await(
        "node-a monitors the client pod and node-b nothing",
        Duration.ofSeconds(60),
        () ->
            nodeEntry("web", "node-a").map(e -> number(e, "pods") == 1).orElse(false)
                && nodeEntry("web", "node-b").map(e -> number(e, "pods") == 0).orElse(false));
    assertThat(rig.agents.running().stream().map(r -> r.process().pid()).sorted().toList())
        .as("the same agent processes: a selector change restarts nothing")
        .isEqualTo(pids);
    assertThat(
            rig.cluster
                .kubectl(
                    "get",
                    "tm",
                    "web",
                    "-n",
                    NS,
                    "-o",
                    "jsonpath={.spec.podSelector.matchLabels.app}")
                .orThrow()
                .stdout())
        .isEqualTo("client");
  }

  @Test
  @Order(7)
  void deletingTheMonitorRemovesItsAgents() {
    rig.cluster.kubectl("delete", "tm", "web", "-n", NS, "--wait=true").orThrow();
    await("the agents stop", Duration.ofSeconds(90), () -> rig.agents.running().isEmpty());
    assertThat(rig.cluster.client().apps().daemonSets().inNamespace(NS).list().getItems())
        .isEmpty();
  }
}
