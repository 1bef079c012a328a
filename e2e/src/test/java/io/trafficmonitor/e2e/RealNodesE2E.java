package io.trafficmonitor.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.testing.Await;
import io.trafficmonitor.testing.KubeletNode;
import io.trafficmonitor.testing.KubeletNodes;
import io.trafficmonitor.testing.KubeletNodesExtension;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.PrometheusServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The product as it ships, on two real kubelet nodes: images built here and loaded into each node's
 * containerd, {@code helm install} of the chart, the operator as a Deployment pod with only its own
 * ServiceAccount, the agents as DaemonSet pods with the shipped securityContext, workload pods of
 * the traffic-generator image. The user's flow from applying a TrafficMonitor to deleting it:
 * traffic of known size between pods on the two nodes shows up in the monitor's status and in
 * Prometheus exactly as the generator counted it, the chart's alerts fire and resolve, invalid
 * specs are refused, pods come and go, the selector moves, and the agents leave with the monitor.
 *
 * <p>{@code web} (node A) and {@code web-b} (node B) are UDP servers labelled {@code app: web};
 * {@code client} (node B, {@code app: client}) runs the generator with {@code kubectl exec}.
 */
@ExtendWith(KubeletNodesExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodesE2E {
  static final String NS = "shop";

  /** The generator in its image; the image's entrypoint runs the same. */
  static final List<String> TRAFFICGEN =
      List.of("/opt/jre/bin/java", "-jar", "/app/trafficgen.jar");

  static final String BANDWIDTH_ALERT = "TrafficMonitorBandwidthAboveLimit";
  static final String LOSS_ALERT = "TrafficMonitorPacketLossAboveLimit";

  /** The chart's rate windows, shortened for the test (the chart's defaults: 1m and 5m). */
  static final Duration BANDWIDTH_WINDOW = Duration.ofSeconds(10);

  static final Duration RATIO_WINDOW = Duration.ofSeconds(5);

  static KubeletNodes nodes;
  static KubernetesClient client;
  static KubeletNode nodeA;
  static KubeletNode nodeB;
  static PrometheusServer prometheus;
  static Path rules;
  static long classStart = System.nanoTime();
  long testStart;

  @BeforeAll
  static void install(KubeletNodes kubeletNodes) {
    classStart = System.nanoTime();
    nodes = kubeletNodes;
    client = nodes.cluster().client();
    nodeA = nodes.nodes().get(0);
    nodeB = nodes.nodes().get(1);
    Duration images = Install.buildAndLoadImages(nodes);
    long start = System.nanoTime();
    ProcessResult install = Install.helmInstall(nodes);
    assertThat(install.exitCode()).as(install.stdout() + install.stderr()).isZero();
    System.out.printf(
        "RealNodesE2E: images built and loaded in %d ms, helm install --wait %d ms%n",
        images.toMillis(), millisSince(start));
    kubectl("create", "namespace", NS);
    long pods = System.nanoTime();
    kubectlApply(workload("web", nodeA, "app: web", "server", "--protocol", "udp"));
    kubectlApply(workload("web-b", nodeB, "app: web", "server", "--protocol", "udp"));
    kubectlApply(workload("client", nodeB, "app: client", "server", "--protocol", "tcp"));
    await(
        "the workload pods run",
        Duration.ofSeconds(90),
        () ->
            Install.ready(pod("web"))
                && Install.ready(pod("web-b"))
                && Install.ready(pod("client")));
    System.out.printf(
        "RealNodesE2E: three workload pods Ready %d ms after apply%n", millisSince(pods));
  }

  @AfterAll
  static void uninstall() throws IOException {
    if (prometheus != null) {
      prometheus.close();
    }
    if (rules != null) {
      Files.deleteIfExists(rules);
    }
    if (nodes == null) {
      return;
    }
    long start = System.nanoTime();
    nodes.cluster().kubectl("delete", "trafficmonitors", "--all", "-n", NS, "--wait=true");
    nodes.cluster().kubectl("delete", "namespace", NS, "--wait=true", "--timeout=60s");
    ProcessResult out = Install.helm(nodes, "uninstall", Install.RELEASE, "-n", Install.NAMESPACE);
    assertThat(out.exitCode()).as(out.stderr()).isZero();
    Await.until(
        "helm uninstall leaves no agent running (the DaemonSet goes with the operator's Deployment)",
        Duration.ofSeconds(90),
        () ->
            agents().isEmpty()
                && client
                    .apps()
                    .daemonSets()
                    .inNamespace(Install.NAMESPACE)
                    .list()
                    .getItems()
                    .isEmpty(),
        () -> String.valueOf(agents().size()) + " agent pods left");
    // The CRDs (and so every user's TrafficMonitors) survive an uninstall.
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("trafficmonitors.trafficmonitor.io")
                .get())
        .isNotNull();
    System.out.printf(
        "RealNodesE2E: clean-up %d ms; the class took %d ms%n",
        millisSince(start), millisSince(classStart));
  }

  @BeforeEach
  void startClock() {
    testStart = System.nanoTime();
  }

  @AfterEach
  void printTime(TestInfo test) {
    System.out.printf(
        "RealNodesE2E: %s %d ms%n",
        test.getTestMethod().map(m -> m.getName()).orElse("?"), millisSince(testStart));
  }

  static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  /** A pod running the generator with {@code args}, listening on 0.0.0.0:7000. */
  static String workload(String name, KubeletNode node, String label, String... args) {
    StringBuilder argv = new StringBuilder();
    for (String a : args) {
      argv.append('"').append(a).append("\", ");
    }
    String run = "args: [" + argv + "\"--listen\", \"0.0.0.0:7000\", \"--quiet\"]";
    return Install.trafficgenPod(
        name, NS, node, label, Install.trafficgenContainer("gen", run, null));
  }

  static ProcessResult kubectl(String... args) {
    return nodes.cluster().kubectl(args).orThrow();
  }

  static void kubectlApply(String manifest) {
    nodes.cluster().kubectlWithInput(manifest, "apply", "-f", "-").orThrow();
  }

  /**
   * Applies the "web" monitor (the pods labelled app=web, collected every 500 ms, reported every
   * second) with these spec lines added.
   */
  static void applyWebMonitor(String... specLines) {
    applyMonitor("web", specLines);
  }

  /** Applies monitor {@code name} of the web pods, as {@link #applyWebMonitor} does. */
  static void applyMonitor(String name, String... specLines) {
    StringBuilder m =
        new StringBuilder(
            """
            apiVersion: trafficmonitor.io/v1alpha1
            kind: TrafficMonitor
            metadata: {name: %s, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: web}}
              interval: 500ms
              statusInterval: 1s
            """
                .formatted(name));
    for (String l : specLines) {
      m.append("  ").append(l).append('\n');
    }
    kubectlApply(m.toString());
  }

  /** Runs the generator's client in the client pod; returns its SUMMARY line. */
  static String generate(String... args) {
    List<String> cmd = new ArrayList<>(List.of("exec", "-n", NS, "client", "--"));
    cmd.addAll(TRAFFICGEN);
    cmd.addAll(List.of("client", "--quiet"));
    cmd.addAll(List.of(args));
    ProcessResult r = kubectl(cmd.toArray(String[]::new));
    return r.stdout()
        .lines()
        .filter(l -> l.startsWith("SUMMARY"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no SUMMARY: " + r.stdout() + r.stderr()));
  }

  static Pod pod(String name) {
    return client.pods().inNamespace(NS).withName(name).get();
  }

  /** The agent pods: in the operator's namespace, one per node, whatever the monitors. */
  static List<Pod> agents() {
    return client
        .pods()
        .inNamespace(Install.NAMESPACE)
        .withLabel("app.kubernetes.io/name", "trafficmonitor-agent")
        .list()
        .getItems();
  }

  static List<Pod> operators() {
    return client
        .pods()
        .inNamespace(Install.NAMESPACE)
        .withLabel("app.kubernetes.io/name", "trafficmonitor-operator")
        .list()
        .getItems();
  }

  static void await(String what, Duration limit, Supplier<Boolean> condition) {
    Await.until(
        what,
        limit,
        () -> Boolean.TRUE.equals(condition.get()),
        () -> {
          StringBuilder why = new StringBuilder();
          for (Pod p : client.pods().inAnyNamespace().list().getItems()) {
            why.append(p.getMetadata().getNamespace())
                .append('/')
                .append(p.getMetadata().getName())
                .append(' ')
                .append(p.getStatus() == null ? "?" : p.getStatus().getPhase())
                .append('\n');
          }
          for (Pod p : agents()) {
            why.append(
                nodes
                    .cluster()
                    .kubectl(
                        "logs", "-n", Install.NAMESPACE, p.getMetadata().getName(), "--tail=30")
                    .stdout());
          }
          GenericKubernetesResource tm = monitor("web");
          Object status = tm == null ? null : tm.get("status");
          why.append("status: ").append(status).append('\n');
          return why.toString();
        });
  }

  /** A node's entry in the status of monitor {@code name}. */
  @SuppressWarnings("unchecked")
  static Optional<Map<String, Object>> nodeEntry(String name, String node) {
    GenericKubernetesResource tm = monitor(name);
    if (tm == null || tm.get("status") == null) {
      return Optional.empty();
    }
    List<Map<String, Object>> entries = tm.get("status", "nodes");
    return entries == null
        ? Optional.empty()
        : entries.stream().filter(n -> node.equals(n.get("node"))).findFirst();
  }

  static GenericKubernetesResource monitor(String name) {
    return client
        .genericKubernetesResources("trafficmonitor.io/v1alpha1", "TrafficMonitor")
        .inNamespace(NS)
        .withName(name)
        .get();
  }

  @SuppressWarnings("unchecked")
  static Optional<Map<String, Object>> nodeEntry(String node) {
    GenericKubernetesResource tm = monitor("web");
    if (tm == null || tm.get("status") == null) {
      return Optional.empty();
    }
    List<Map<String, Object>> entries = tm.get("status", "nodes");
    return entries == null
        ? Optional.empty()
        : entries.stream().filter(n -> node.equals(n.get("node"))).findFirst();
  }

  /** The sequence counters of a node's entry (all zero before the first numbered packet). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> sequence(String node) {
    Object q = nodeEntry(node).orElseThrow().get("sequence");
    return q == null ? Map.of() : (Map<String, Object>) q;
  }

  static long pods(String node) {
    return nodeEntry(node).map(e -> number(e, "pods")).orElse(-1L);
  }

  static long number(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v == null ? 0 : ((Number) v).longValue();
  }

  static long field(String summary, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(summary);
    assertThat(m.find()).as(summary).isTrue();
    return Long.parseLong(m.group(1));
  }

  /**
   * One Prometheus for the class: scraping both agents through their pods' addresses every second
   * and evaluating the chart's alert rules, rendered with short windows, every second.
   */
  static PrometheusServer prometheus() throws IOException {
    if (prometheus == null) {
      List<String> targets =
          agents().stream().map(p -> p.getStatus().getPodIP() + ":9400").sorted().toList();
      assertThat(targets).hasSize(2);
      rules = Files.createTempFile("tm-rules", ".yaml");
      Install.writeAlertRules(
          rules,
          "prometheusRule.bandwidthWindow=" + BANDWIDTH_WINDOW.toSeconds() + "s",
          "prometheusRule.ratioWindow=" + RATIO_WINDOW.toSeconds() + "s");
      prometheus =
          PrometheusServer.start(
              targets, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of(rules));
      await(
          "Prometheus scrapes both agents",
          Duration.ofSeconds(30),
          () -> prometheus.targetHealth().equals(List.of("up", "up")));
    }
    return prometheus;
  }

  /** Whether Prometheus recorded the alert as firing at any evaluation of the last {@code d}. */
  static boolean firedWithin(String alert, Duration d) {
    return prometheus
        .scalar(
            "max(max_over_time(ALERTS{alertname=\"%s\", alertstate=\"firing\"}[%ds]))"
                .formatted(alert, Math.max(1, d.toSeconds())))
        .isPresent();
  }

  /** The rate the bandwidth rule compares with the limit, its largest value over the last d. */
  static double bandwidthRuleMax(Duration d) {
    return prometheus
        .scalar(
            ("max_over_time((sum by (namespace, monitor)"
                    + " (rate(trafficmonitor_bytes_total{monitor=\"web\"}[%ds])))[%ds:1s])")
                .formatted(BANDWIDTH_WINDOW.toSeconds(), Math.max(1, d.toSeconds())))
        .orElse(0.0);
  }

  @Test
  @Order(1)
  void theOperatorRunsFromItsImageWithItsOwnServiceAccount() {
    await(
        "one of the two operator replicas leads (it applied the agents' DaemonSet)",
        Duration.ofSeconds(60),
        () ->
            client
                    .apps()
                    .daemonSets()
                    .inNamespace(Install.NAMESPACE)
                    .withName("trafficmonitor-agent")
                    .get()
                != null);
    Pod op = operators().get(0);
    assertThat(Install.ready(op)).isTrue();
    assertThat(op.getSpec().getContainers().get(0).getImage()).isEqualTo(Install.image("operator"));
    assertThat(op.getSpec().getServiceAccountName()).isEqualTo("trafficmonitor-operator");
    assertThat(
            nodes
                .cluster()
                .kubectl("logs", "-n", Install.NAMESPACE, op.getMetadata().getName())
                .orThrow()
                .stdout())
        .contains("trafficmonitor operator started");
  }

  @Test
  @Order(2)
  void trafficBetweenPodsOnTwoNodesIsCountedExactly() {
    long start = System.nanoTime();
    applyWebMonitor();
    await(
        "an agent pod runs on each node",
        Duration.ofSeconds(120),
        () -> agents().stream().filter(Install::ready).count() == 2);
    await(
        "both agents report, each with its web pod",
        Duration.ofSeconds(60),
        () -> pods(nodeA.name()) == 1 && pods(nodeB.name()) == 1);
    System.out.printf(
        "RealNodesE2E: monitor applied to both agents reporting: %d ms%n", millisSince(start));
    for (Pod agent : agents()) {
      assertThat(agent.getSpec().getContainers().get(0).getImage())
          .isEqualTo(Install.image("node-agent"));
      assertThat(agent.getSpec().getContainers().get(0).getSecurityContext().getPrivileged())
          .isFalse();
    }
    assertThat(nodeEntry(nodeA.name()).get().get("errors"))
        .as("node A's errors")
        .satisfiesAnyOf(e -> assertThat(e).isNull(), e -> assertThat((List<?>) e).isEmpty());

    Map<String, Object> before = nodeEntry(nodeA.name()).get();
    String webIp = pod("web").getStatus().getPodIP();
    String summary =
        generate(
            "--protocol",
            "udp",
            "--target",
            webIp + ":7000",
            "--count",
            "3000",
            "--size",
            "1000",
            "--rate",
            "8Mbit");
    long sent = field(summary, "messages");
    long sentBytes = field(summary, "l3Bytes");
    assertThat(sent).isEqualTo(3000);
    await(
        "node A's entry counts the datagrams",
        Duration.ofSeconds(30),
        () ->
            number(nodeEntry(nodeA.name()).get(), "rxPackets") - number(before, "rxPackets")
                >= sent);
    Map<String, Object> after = nodeEntry(nodeA.name()).get();
    assertThat(number(after, "rxPackets") - number(before, "rxPackets")).isEqualTo(sent);
    assertThat(number(after, "rxBytes") - number(before, "rxBytes")).isEqualTo(sentBytes);

    ProcessResult get = kubectl("get", "trafficmonitors", "-n", NS);
    assertThat(get.stdout())
        .contains("NAME", "PODS", "NODES", "RX", "TX", "FLOWS", "READY", "AGE", "web");
    ProcessResult yaml = kubectl("get", "tm", "web", "-n", NS, "-o", "yaml");
    assertThat(yaml.stdout())
        .contains("node: " + nodeA.name(), "node: " + nodeB.name(), "rxPackets");
  }

  @Test
  @Order(3)
  void moreMonitorsOnTheSameNodesShareTheAgentsAndEachCountsItsOwnSelection() {
    applyMonitor("web-7000", "ports: [\"7000\"]", "direction: Ingress");
    applyMonitor("web-7001", "ports: [\"7001\"]");
    await(
        "the new monitors have node A's entry with the web pod",
        Duration.ofSeconds(60),
        () ->
            nodeEntry("web-7000", nodeA.name()).map(e -> number(e, "pods") == 1).orElse(false)
                && nodeEntry("web-7001", nodeA.name())
                    .map(e -> number(e, "pods") == 1)
                    .orElse(false));
    assertThat(agents()).as("still one agent per node").hasSize(2);
    assertThat(client.pods().inNamespace(NS).list().getItems())
        .as("no pod of ours in the monitors' namespace")
        .allSatisfy(
            p ->
                assertThat(p.getMetadata().getLabels())
                    .doesNotContainEntry("app.kubernetes.io/name", "trafficmonitor-agent"));
    Map<String, Object> web = nodeEntry(nodeA.name()).orElseThrow();
    Map<String, Object> port = nodeEntry("web-7000", nodeA.name()).orElseThrow();
    Map<String, Object> other = nodeEntry("web-7001", nodeA.name()).orElseThrow();
    String summary =
        generate(
            "--protocol",
            "udp",
            "--target",
            pod("web").getStatus().getPodIP() + ":7000",
            "--count",
            "2000",
            "--size",
            "500",
            "--rate",
            "8Mbit");
    long sent = field(summary, "messages");
    long sentBytes = field(summary, "l3Bytes");
    await(
        "every monitor of the web pod has counted the datagrams",
        Duration.ofSeconds(30),
        () ->
            number(nodeEntry(nodeA.name()).get(), "rxPackets") - number(web, "rxPackets") >= sent
                && number(nodeEntry("web-7000", nodeA.name()).get(), "rxPackets")
                        - number(port, "rxPackets")
                    >= sent);
    Map<String, Object> webNow = nodeEntry(nodeA.name()).get();
    Map<String, Object> portNow = nodeEntry("web-7000", nodeA.name()).get();
    assertThat(number(webNow, "rxPackets") - number(web, "rxPackets")).isEqualTo(sent);
    assertThat(number(portNow, "rxPackets") - number(port, "rxPackets"))
        .as("ports [7000], ingress: the same datagrams")
        .isEqualTo(sent);
    assertThat(number(portNow, "rxBytes") - number(port, "rxBytes")).isEqualTo(sentBytes);
    assertThat(number(portNow, "txPackets")).as("direction Ingress").isZero();
    await(
        "web-7001 has written its entry since",
        Duration.ofSeconds(10),
        () ->
            !Objects.equals(
                nodeEntry("web-7001", nodeA.name()).get().get("lastUpdate"),
                other.get("lastUpdate")));
    assertThat(number(nodeEntry("web-7001", nodeA.name()).get(), "rxPackets"))
        .as("ports [7001]: none of it")
        .isEqualTo(number(other, "rxPackets"));
    kubectl("delete", "tm", "web-7000", "web-7001", "-n", NS, "--wait=true");
  }

  @Test
  @Order(4)
  void prometheusScrapesTheAgentsThroughTheirPods() throws Exception {
    PrometheusServer prom = prometheus();
    String query =
        "sum(trafficmonitor_packets_total{pod=\"web\", direction=\"ingress\","
            + " interface=\"cgroup\"})";
    await("web's series exist", Duration.ofSeconds(30), () -> prom.scalar(query).isPresent());
    long status = number(nodeEntry(nodeA.name()).get(), "rxPackets");
    await(
        "Prometheus has the status' count",
        Duration.ofSeconds(10),
        () -> prom.scalar(query).orElseThrow() == (double) status);
  }

  @Test
  @Order(5)
  void logsAndExecWorkOnEveryPod() {
    assertThat(operators())
        .as("no operator replica restarted (a lost Lease makes one exit)")
        .allSatisfy(
            p ->
                assertThat(p.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero());
    for (Pod p : client.pods().inAnyNamespace().list().getItems()) {
      String ns = p.getMetadata().getNamespace();
      String name = p.getMetadata().getName();
      assertThat(nodes.cluster().kubectl("logs", "-n", ns, name).exitCode())
          .as("kubectl logs %s/%s", ns, name)
          .isZero();
    }
    List<String> cmd = new ArrayList<>(List.of("exec", "-n", NS, "web", "--"));
    cmd.add(TRAFFICGEN.get(0));
    cmd.add("-version");
    ProcessResult exec = nodes.cluster().kubectl(cmd.toArray(String[]::new));
    assertThat(exec.exitCode()).as(exec.stderr()).isZero();
    assertThat(exec.stdout() + exec.stderr()).contains("version");
    printMemoryOfOurPods();
  }

  /**
   * The operator's and the agents' memory as their kubelets account it ({@code /stats/summary}
   * through the API server's node proxy): figures for docs/benchmarks/real-nodes.md, not a check.
   */
  static void printMemoryOfOurPods() {
    for (KubeletNode node : nodes.nodes()) {
      String raw =
          kubectl("get", "--raw", "/api/v1/nodes/" + node.name() + "/proxy/stats/summary").stdout();
      JsonNode summary = Serialization.unmarshal(raw, JsonNode.class);
      for (JsonNode pod : summary.path("pods")) {
        String name = pod.path("podRef").path("name").asText();
        if (name.startsWith("trafficmonitor-")) {
          System.out.printf(
              "RealNodesE2E: memory of %s on %s: working set %.1f MiB, RSS %.1f MiB%n",
              name,
              node.name(),
              pod.path("memory").path("workingSetBytes").asDouble() / (1 << 20),
              pod.path("memory").path("rssBytes").asDouble() / (1 << 20));
        }
      }
    }
  }

  /**
   * UDP at {@code factor} times {@code limit} (L3 bytes per second) to web for the bandwidth window
   * and a few seconds more, so that the rule's rate covers nothing but this traffic.
   */
  static String sendAt(double factor, long limit) {
    // 972 payload bytes: 1000 L3 bytes per datagram; the generator paces its payload.
    long datagramsPerSecond = Math.round(factor * limit / 1000);
    return generate(
        "--protocol",
        "udp",
        "--target",
        pod("web").getStatus().getPodIP() + ":7000",
        "--size",
        "972",
        "--rate",
        (datagramsPerSecond * 972 * 8) + "bit",
        "--duration",
        (BANDWIDTH_WINDOW.toSeconds() + 5) + "s");
  }

  /** The bandwidth limit of the alert tests, in bytes per second. */
  static final long LIMIT = 100_000;

  static final String WEB_BYTES =
      "sum(trafficmonitor_bytes_total{pod=\"web\", direction=\"ingress\", interface=\"cgroup\"})";

  /** Sets the monitor's bandwidth limit and waits until no earlier traffic is in the window. */
  static PrometheusServer bandwidthLimitSet() throws IOException {
    PrometheusServer prom = prometheus();
    applyWebMonitor("alerts: {maxBytesPerSecond: " + LIMIT + "}");
    await(
        "the limit is exported",
        Duration.ofSeconds(30),
        () ->
            prom.scalar("max(trafficmonitor_limit_bytes_per_second{monitor=\"web\"})").orElse(0.0)
                == (double) LIMIT);
    await(
        "no earlier traffic is left in the rule's window",
        BANDWIDTH_WINDOW.plusSeconds(20),
        () ->
            bandwidthRuleMax(Duration.ofSeconds(1)) == 0
                && prom.alerts(BANDWIDTH_ALERT, "firing").isEmpty());
    return prom;
  }

  /** Prometheus' count of web's ingress bytes grew by exactly what the generator sent. */
  static void prometheusHasEveryByte(double before, String summary) {
    long sent = field(summary, "l3Bytes");
    await(
        "Prometheus has every byte",
        Duration.ofSeconds(20),
        () -> prometheus.scalar(WEB_BYTES).orElse(0.0) - before >= sent);
    assertThat(prometheus.scalar(WEB_BYTES).orElseThrow() - before).isEqualTo((double) sent);
  }

  /**
   * At 0.8 times the limit the rule stays quiet: it counts a pod's bytes once (its cgroup's series,
   * not also its veth's, which sees the same packets at L2), as the status totals do.
   */
  @Test
  @Order(6)
  void theBandwidthAlertStaysQuietBelowTheLimit() throws Exception {
    PrometheusServer prom = bandwidthLimitSet();
    double before = prom.scalar(WEB_BYTES).orElseThrow();
    long start = System.nanoTime();
    String summary = sendAt(0.8, LIMIT);
    Thread.sleep(2000); // the last scrape and evaluation of this traffic
    Duration run = Duration.ofNanos(System.nanoTime() - start);
    System.out.printf(
        "RealNodesE2E: at 0.8x the limit: %s; the rule's rate peaked at %.0f B/s%n",
        summary, bandwidthRuleMax(run));
    assertThat(firedWithin(BANDWIDTH_ALERT, run))
        .as("the alert stays quiet at 0.8 times the limit")
        .isFalse();
    prometheusHasEveryByte(before, summary);
  }

  @Test
  @Order(7)
  void theBandwidthAlertFiresAboveTheLimitAndResolves() throws Exception {
    PrometheusServer prom = bandwidthLimitSet();
    double before = prom.scalar(WEB_BYTES).orElseThrow();
    long start = System.nanoTime();
    String summary = sendAt(1.2, LIMIT);
    Duration run = Duration.ofNanos(System.nanoTime() - start);
    System.out.printf(
        "RealNodesE2E: at 1.2x the limit: %s; the rule's rate peaked at %.0f B/s%n",
        summary, bandwidthRuleMax(run));
    assertThat(firedWithin(BANDWIDTH_ALERT, run))
        .as("the alert fires at 1.2 times the limit")
        .isTrue();
    prometheusHasEveryByte(before, summary);
    long stopped = System.nanoTime();
    await(
        "the alert resolves after the traffic stops",
        BANDWIDTH_WINDOW.plusSeconds(20),
        () -> prom.alerts(BANDWIDTH_ALERT, "firing").isEmpty());
    System.out.printf(
        "RealNodesE2E: the alert resolved %d ms after the traffic stopped%n", millisSince(stopped));
  }

  @Test
  @Order(8)
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
    ProcessResult r = nodes.cluster().kubectlWithInput(bad, "apply", "-f", "-");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).contains("spec.interval", "interval must be between 10ms and 1h");
    assertThat(monitor("bad")).isNull();
  }

  @Test
  @Order(9)
  void sequenceLossIsCountedExactlyAndThePacketLossAlertFires() throws Exception {
    PrometheusServer prom = prometheus();
    // Loss from sequence numbers, limited to 1%; the sender leaves out every 20th number (5%).
    applyWebMonitor("sequence: {protocol: UDP, offset: 0}", "alerts: {maxPacketLossRatio: 0.01}");
    await(
        "the agents apply the spec (the loss limit is exported)",
        Duration.ofSeconds(30),
        () ->
            prom.scalar("min(trafficmonitor_limit_packet_loss_ratio{monitor=\"web\"})").orElse(0.0)
                == 0.01);
    Map<String, Object> seq0 = sequence(nodeA.name());
    long start = System.nanoTime();
    String summary =
        generate(
            "--protocol",
            "udp",
            "--target",
            pod("web").getStatus().getPodIP() + ":7000",
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
    assertThat(firedWithin(LOSS_ALERT, Duration.ofNanos(System.nanoTime() - start)))
        .as("the alert fires while 5% of the numbers are missing")
        .isTrue();
    long sent = field(summary, "messages");
    long skipped = field(summary, "skipped");
    assertThat(skipped).as("every 20th number left out").isEqualTo((sent - 1) / 19);
    await(
        "node A's status counts every datagram",
        Duration.ofSeconds(30),
        () -> number(sequence(nodeA.name()), "received") - number(seq0, "received") >= sent);
    Map<String, Object> q = sequence(nodeA.name());
    assertThat(number(q, "received") - number(seq0, "received")).isEqualTo(sent);
    assertThat(number(q, "lost") - number(seq0, "lost")).isEqualTo(skipped);
    assertThat(number(q, "smallGaps") - number(seq0, "smallGaps")).isEqualTo(skipped);
    assertThat(number(q, "bigGaps") - number(seq0, "bigGaps")).isZero();
    assertThat(number(q, "reverse") - number(seq0, "reverse")).isZero();
    // the pod's cgroup series (its veth's series sees the same packets)
    String lostQuery =
        "sum(trafficmonitor_sequence_lost_packets_total{monitor=\"web\", pod=\"web\","
            + " interface=\"cgroup\"})";
    long lost = number(q, "lost");
    await(
        "Prometheus scrapes the same loss",
        Duration.ofSeconds(20),
        () -> prom.scalar(lostQuery).orElse(0.0) == (double) lost);
  }

  @Test
  @Order(10)
  void deletedPodIsDetached() {
    kubectl("delete", "pod", "web-b", "-n", NS, "--wait=false");
    await("node B reports no pod", Duration.ofSeconds(60), () -> pods(nodeB.name()) == 0);
    assertThat(pods(nodeA.name())).isEqualTo(1);
  }

  @Test
  @Order(11)
  void selectorChangeMovesTheAgentsToOtherPodsWithoutARestart() {
    List<String> uids = agents().stream().map(p -> p.getMetadata().getUid()).sorted().toList();
    assertThat(uids).hasSize(2);
    kubectl(
        "patch",
        "tm",
        "web",
        "-n",
        NS,
        "--type",
        "merge",
        "-p",
        "{\"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"client\"}}}}");
    await(
        "node B monitors the client pod and node A nothing",
        Duration.ofSeconds(60),
        () -> pods(nodeB.name()) == 1 && pods(nodeA.name()) == 0);
    List<Pod> after = agents();
    assertThat(after.stream().map(p -> p.getMetadata().getUid()).sorted().toList())
        .as("the same agent pods: a selector change restarts nothing")
        .isEqualTo(uids);
    for (Pod p : after) {
      for (ContainerStatus s : p.getStatus().getContainerStatuses()) {
        assertThat(s.getRestartCount()).as(p.getMetadata().getName()).isZero();
      }
    }
    assertThat(
            kubectl(
                    "get",
                    "tm",
                    "web",
                    "-n",
                    NS,
                    "-o",
                    "jsonpath={.spec.podSelector.matchLabels.app}")
                .stdout())
        .isEqualTo("client");
  }

  @Test
  @Order(12)
  void deletingTheMonitorDetachesButTheAgentsStayForTheNextOne() throws Exception {
    kubectl("delete", "tm", "web", "-n", NS, "--wait=true");
    PrometheusServer prom = prometheus();
    await(
        "no agent serves a monitor any more, and the web pod's series are gone",
        Duration.ofSeconds(30),
        () ->
            prom.scalar("sum(trafficmonitor_monitors_served)").orElse(-1.0) == 0.0
                && prom.scalar("count(trafficmonitor_bytes_total{pod=\"web\"})").isEmpty());
    assertThat(agents()).as("one agent per node, for the next monitor").hasSize(2);
    assertThat(client.apps().daemonSets().inNamespace(NS).list().getItems()).isEmpty();
  }
}
