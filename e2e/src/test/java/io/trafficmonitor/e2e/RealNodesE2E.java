package io.trafficmonitor.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.testing.Await;
import io.trafficmonitor.testing.Commands;
import io.trafficmonitor.testing.KubeBinaries;
import io.trafficmonitor.testing.KubeletNode;
import io.trafficmonitor.testing.KubeletNodes;
import io.trafficmonitor.testing.KubeletNodesExtension;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.PrometheusServer;
import io.trafficmonitor.testing.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Percentage;
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

  static final String BANDWIDTH_ALERT = "TrafficMonitorBandwidthHigh";
  static final String LOSS_ALERT = "TrafficMonitorPacketLossHigh";

  /** The operator's rules' rate windows, shortened for the test (the chart's defaults: 1m, 5m). */
  static final Duration BANDWIDTH_WINDOW = Duration.ofSeconds(10);

  static final Duration RATIO_WINDOW = Duration.ofSeconds(5);

  static KubeletNodes nodes;
  static KubernetesClient client;
  static KubeletNode nodeA;
  static KubeletNode nodeB;
  static PrometheusServer prometheus;
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
    // The Prometheus Operator's CRDs, as a cluster with kube-prometheus-stack has them: the chart
    // makes its ServiceMonitor and PrometheusRule, the operator a PrometheusRule per monitor.
    Install.installPrometheusOperatorCrds(nodes);
    ProcessResult install =
        Install.helmInstall(
            nodes,
            "serviceMonitor.enabled=true",
            "serviceMonitor.interval=1s",
            "prometheusRule.enabled=true",
            "prometheusRule.labels.release=kps",
            "prometheusRule.bandwidthWindow=" + BANDWIDTH_WINDOW.toSeconds() + "s",
            "prometheusRule.ratioWindow=" + RATIO_WINDOW.toSeconds() + "s");
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
    return generateFrom("client", args);
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

  /** The address of node {@code node}'s agent (host network: the node's). */
  static String agentIp(KubeletNode node) {
    return agents().stream()
        .filter(p -> node.name().equals(p.getSpec().getNodeName()))
        .findFirst()
        .orElseThrow()
        .getStatus()
        .getPodIP();
  }

  /** The agents' HTTPS client: it trusts the chart's CA for the agent metrics Service's name. */
  private static HttpClient agentClient;

  /**
   * GET {@code path} of the agent at {@code agentIp} over HTTPS (the chart's certificate, checked
   * as the operator checks it: {@link Install#agentClient}), with {@code token} when not null.
   */
  static HttpResponse<String> agentGet(String agentIp, String path, String token) {
    if (agentClient == null) {
      agentClient = Install.agentClient(nodes);
    }
    var b =
        HttpRequest.newBuilder(URI.create("https://" + agentIp + ":9400" + path))
            .timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      return agentClient.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Whether the agent at {@code agentIp} answers a plain HTTP request at all. */
  static boolean answersPlainHttp(String agentIp) {
    try {
      HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://" + agentIp + ":9400/q/health/ready"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
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

  static String field(String summary, String name, String pattern) {
    Matcher m = Pattern.compile("\"" + name + "\":(" + pattern + ")").matcher(summary);
    assertThat(m.find()).as(summary).isTrue();
    return m.group(1);
  }

  static long field(String summary, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(summary);
    assertThat(m.find()).as(summary).isTrue();
    return Long.parseLong(m.group(1));
  }

  /**
   * One Prometheus for the class, as kube-prometheus-stack's would be: it discovers the agents
   * through the API server from the chart's ServiceMonitor ({@link ServiceMonitorScrape}: the
   * Prometheus Operator's relabelling, no honorLabels), scrapes them every second, and evaluates
   * the PrometheusRules found in the cluster (the chart's, and each monitor's that the operator
   * writes: {@link #loadRule}) every second.
   */
  static PrometheusServer prometheus() throws IOException {
    if (prometheus == null) {
      GenericKubernetesResource serviceMonitor =
          client
              .genericKubernetesResources("monitoring.coreos.com/v1", "ServiceMonitor")
              .inNamespace(Install.NAMESPACE)
              .withName(Install.RELEASE + "-agents")
              .get();
      assertThat(serviceMonitor).as("the chart's ServiceMonitor").isNotNull();
      // Prometheus' own ServiceAccount token, bound to the chart's metrics-reader role.
      Path token = Install.scraperToken(nodes, Duration.ofHours(6));
      prometheus =
          PrometheusServer.startWith(
              ServiceMonitorScrape.scrapeConfig(
                  serviceMonitor,
                  nodes.cluster().kubeconfig(),
                  token,
                  (secret, key) -> Install.secretFile(nodes, secret, key)),
              Duration.ofSeconds(1),
              Duration.ofSeconds(1),
              List.of());
      await(
          "Prometheus discovers and scrapes both agents",
          Duration.ofSeconds(60),
          () -> prometheus.targetHealth().equals(List.of("up", "up")));
      loadRule(Install.NAMESPACE, Install.RELEASE + "-alerts");
    }
    return prometheus;
  }

  /**
   * Gives Prometheus the PrometheusRule {@code namespace/name} as it is in the cluster, as the
   * Prometheus Operator would (its spec is a rule file); waits for it to exist, and checks that it
   * carries the labels a ruleSelector picks (the chart's {@code prometheusRule.labels}).
   */
  @SuppressWarnings("unchecked")
  static GenericKubernetesResource loadRule(String namespace, String name) {
    Supplier<GenericKubernetesResource> get =
        () ->
            client
                .genericKubernetesResources("monitoring.coreos.com/v1", "PrometheusRule")
                .inNamespace(namespace)
                .withName(name)
                .get();
    await(
        "the PrometheusRule " + namespace + "/" + name,
        Duration.ofSeconds(60),
        () -> get.get() != null);
    GenericKubernetesResource rule = get.get();
    assertThat(rule.getMetadata().getLabels()).containsEntry("release", "kps");
    prometheus.putRules(
        namespace + "-" + name, Serialization.asYaml(rule.getAdditionalProperties().get("spec")));
    return rule;
  }

  /** The operator's rule of the web monitor once it holds an alert with {@code threshold}. */
  @SuppressWarnings("unchecked")
  static void loadWebRule(String alert, String threshold) {
    await(
        "the operator's rule has " + alert + " > " + threshold,
        Duration.ofSeconds(60),
        () -> {
          GenericKubernetesResource r =
              client
                  .genericKubernetesResources("monitoring.coreos.com/v1", "PrometheusRule")
                  .inNamespace(NS)
                  .withName("trafficmonitor-web")
                  .get();
          return r != null
              && Serialization.asJson(r).contains(alert)
              && Serialization.asJson(r).contains("> " + threshold);
        });
    loadRule(NS, "trafficmonitor-web");
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
            ("max_over_time(max(sum by (monitor_namespace, monitor, direction)"
                    + " (rate(trafficmonitor_pod_bytes_total{monitor_namespace=\"shop\","
                    + " monitor=\"web\"}[%ds])))[%ds:1s])")
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
    // Both targets are up with the scraper's token (the chart's metrics-reader role); without a
    // token, or with one of a user who may not get /metrics, an agent refuses.
    String agentIp = agentIp(nodeA);
    var anonymous = agentGet(agentIp, "/metrics", null);
    assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).contains("Bearer");
    var refused =
        agentGet(
            agentIp, "/metrics", kubectl("create", "token", "default", "-n", NS).stdout().trim());
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body())
        .contains(
            "system:serviceaccount:"
                + NS
                + ":default may not get /metrics (nonResourceURLs:"
                + " [\"/metrics\"], verbs: [\"get\"])");
    assertThat(agentGet(agentIp, "/q/health/ready", null).statusCode())
        .as("the kubelet's probes need no token")
        .isEqualTo(200);
    assertThat(answersPlainHttp(agentIp)).as("the agent's port speaks HTTPS only").isFalse();
    System.out.printf(
        "RealNodesE2E: an agent's /metrics: 401 without a token, to a user without the right: %s",
        refused.body());
    // The targets as the Prometheus Operator's relabelling leaves them, plus the chart's node.
    assertThat(prom.targetLabels())
        .extracting(l -> l.path("node").asText())
        .containsExactlyInAnyOrder(nodeA.name(), nodeB.name());
    assertThat(prom.targetLabels())
        .allSatisfy(
            l -> {
              assertThat(l.path("job").asText()).isEqualTo("trafficmonitor-agent");
              assertThat(l.path("namespace").asText()).isEqualTo(Install.NAMESPACE);
              assertThat(l.path("pod").asText()).startsWith("trafficmonitor-agent-");
            });
    String query =
        "sum(trafficmonitor_pod_packets_total{monitor_namespace=\"shop\", monitor=\"web\","
            + " pod_namespace=\"shop\", pod_name=\"web\", direction=\"ingress\"})";
    await("web's series exist", Duration.ofSeconds(30), () -> prom.scalar(query).isPresent());
    // The agent's labels survive the scrape's: the workload's pod and namespace are theirs, the
    // target's namespace and pod are the agent's, and nothing was renamed to exported_*.
    JsonNode series =
        prom.query(
                "trafficmonitor_pod_packets_total{monitor=\"web\", pod_name=\"web\","
                    + " direction=\"ingress\"}")
            .get(0)
            .path("metric");
    assertThat(series.path("pod_namespace").asText()).isEqualTo(NS);
    assertThat(series.path("monitor_namespace").asText()).isEqualTo(NS);
    assertThat(series.path("namespace").asText()).isEqualTo(Install.NAMESPACE);
    assertThat(series.path("node").asText()).isEqualTo(nodeA.name());
    assertThat(series.path("pod").asText()).startsWith("trafficmonitor-agent-");
    assertThat(series.fieldNames()).toIterable().noneMatch(n -> n.startsWith("exported_"));
    long status = number(nodeEntry(nodeA.name()).get(), "rxPackets");
    await(
        "Prometheus has the status' count",
        Duration.ofSeconds(10),
        () -> prom.scalar(query).orElseThrow() == (double) status);
  }

  @Test
  @Order(6)
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
    return sendToWeb(Math.round(factor * limit / 1000), BANDWIDTH_WINDOW.toSeconds() + 5);
  }

  /**
   * UDP to web:7000 for {@code seconds}: {@code datagramsPerSecond} datagrams of 972 payload bytes,
   * 1000 L3 bytes each (the generator paces its payload); returns the generator's SUMMARY line.
   */
  static String sendToWeb(long datagramsPerSecond, long seconds) {
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
        seconds + "s");
  }

  /** The bandwidth limit of the alert tests, in bytes per second. */
  static final long LIMIT = 100_000;

  static final String WEB_BYTES =
      "sum(trafficmonitor_pod_bytes_total{monitor_namespace=\"shop\", monitor=\"web\","
          + " pod_name=\"web\", direction=\"ingress\"})";

  /** Sets the monitor's bandwidth limit and waits until no earlier traffic is in the window. */
  static PrometheusServer bandwidthLimitSet() throws IOException {
    PrometheusServer prom = prometheus();
    applyWebMonitor("alerts: {maxBytesPerSecond: " + LIMIT + ", for: 1s}");
    loadWebRule(BANDWIDTH_ALERT, Long.toString(LIMIT));
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
   * With spec.flows.peers the agent counts the web pod's traffic per peer at workload granularity
   * (the client is a pod without a controller: named by itself), exactly, and the operator names
   * the client's address in the monitor's top talkers.
   */
  @Test
  @Order(5)
  @SuppressWarnings("unchecked")
  void peersAreNamedInStatusAndCountedPerWorkload() throws Exception {
    applyMonitor("web-peers", "flows: {peers: true}", "prefixes: {enabled: true}");
    await(
        "web-peers has node A's entry with the web pod",
        Duration.ofSeconds(60),
        () -> nodeEntry("web-peers", nodeA.name()).map(e -> number(e, "pods") == 1).orElse(false));
    PrometheusServer prom = prometheus();
    String fromClient =
        "sum(trafficmonitor_pod_peer_bytes_total{monitor_namespace=\"shop\", monitor=\"web-peers\","
            + " pod_name=\"web\", direction=\"ingress\", peer_kind=\"Pod\","
            + " peer_namespace=\"shop\", peer_name=\"client\"})";
    double before = prom.scalar(fromClient).orElse(0.0);
    String summary =
        generate(
            "--protocol",
            "udp",
            "--target",
            pod("web").getStatus().getPodIP() + ":7000",
            "--count",
            "1000",
            "--size",
            "700",
            "--rate",
            "8Mbit");
    long sentBytes = field(summary, "l3Bytes");
    await(
        "Prometheus has the client's bytes as the web pod's peer",
        Duration.ofSeconds(30),
        () -> prom.scalar(fromClient).orElse(0.0) - before >= sentBytes);
    assertThat(prom.scalar(fromClient).orElseThrow() - before).isEqualTo((double) sentBytes);
    assertThat(
            prom.query(
                "trafficmonitor_pod_peer_bytes_total{monitor=\"web-peers\", peer_kind=\"World\","
                    + " pod_name=\"web\", direction=\"ingress\"}"))
        .as("nothing of the client's counted as the world's")
        .allSatisfy(r -> assertThat(r.path("value").get(1).asDouble()).isZero());

    String clientIp = pod("client").getStatus().getPodIP();
    await(
        "the operator names the client in web-peers' top talkers",
        Duration.ofSeconds(30),
        () -> {
          Map<String, Object> status =
              (Map<String, Object>)
                  client
                      .genericKubernetesResources("trafficmonitor.io/v1alpha1", "TrafficMonitor")
                      .inNamespace(NS)
                      .withName("web-peers")
                      .get()
                      .getAdditionalProperties()
                      .get("status");
          Map<String, Object> s =
              status == null ? null : (Map<String, Object>) status.get("summary");
          List<Map<String, Object>> talkers =
              s == null
                  ? List.of()
                  : (List<Map<String, Object>>) s.getOrDefault("topTalkers", List.of());
          return talkers.stream()
              .anyMatch(
                  t ->
                      clientIp.equals(t.get("address"))
                          && Map.of("kind", "Pod", "namespace", NS, "name", "client")
                              .equals(t.get("peer")));
        });
    // Heavy prefixes (spec.prefixes): all the monitor saw came from the client's address to web's.
    String webIp = pod("web").getStatus().getPodIP();
    await(
        "the client's and web's addresses are heavy prefixes",
        Duration.ofSeconds(30),
        () -> {
          List<Map<String, Object>> heavy = heavyPrefixes("web-peers");
          return heavy.stream()
                  .anyMatch(
                      h ->
                          "Source".equals(h.get("direction"))
                              && (clientIp + "/32").equals(h.get("prefix"))
                              && ((Number) h.get("share")).doubleValue() > 0.9)
              && heavy.stream()
                  .anyMatch(
                      h ->
                          "Destination".equals(h.get("direction"))
                              && (webIp + "/32").equals(h.get("prefix")));
        });
    agentsAnswerOnlyWhoMayGetTheMonitor("web-peers");
    theLiveApiAnswersOnlyWhoMayGetTheMonitor("web-peers");
    kubectl("delete", "tm", "web-peers", "-n", NS, "--wait=true");
  }

  /**
   * At 0.8 times the limit the operator's rule stays quiet: it counts a pod's bytes once (its
   * sockets' family, not also its veth's, which sees the same packets at L2), as the status totals
   * do.
   */
  @Test
  @Order(7)
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
  @Order(8)
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

  /** The window the dashboard's panels are evaluated over ({@code $__rate_interval}). */
  static final Duration PANEL_WINDOW = Duration.ofSeconds(30);

  /**
   * Every panel of the chart's dashboard, each of its queries run in Prometheus as Grafana would
   * (the web monitor chosen, {@code $__rate_interval} the window) while UDP of known size and pace
   * has run to web for longer than the window, compared with the ground truth: the generator's
   * achieved rate (±2%), zero or no series where no such traffic exists, the bucket that holds the
   * packets' size for a quantile of the log2 histograms, health panels in their range. A panel
   * without an expectation here fails the test, so a new panel needs one.
   */
  @Test
  @Order(9)
  void everyDashboardPanelShowsWhatWasSent() throws Exception {
    PrometheusServer prom = prometheus();
    applyWebMonitor(
        "applications: [{name: gen, port: 7000, protocol: UDP}]", "flows: {peers: true}");
    awaitSpecApplied(nodeA.name()); // the application name holds from the first packet on
    JsonNode dashboard = dashboard();
    long datagrams = 100; // per second, 1000 L3 bytes each (972 of payload)
    long seconds = PANEL_WINDOW.toSeconds() + 15;
    CompletableFuture<String> traffic =
        CompletableFuture.supplyAsync(() -> sendToWeb(datagrams, seconds));
    Thread.sleep(PANEL_WINDOW.plusSeconds(8).toMillis()); // the window holds only this traffic
    Map<Integer, List<JsonNode>> results = new TreeMap<>();
    Map<Integer, String> titles = new TreeMap<>();
    for (JsonNode panel : dashboard.path("panels")) {
      int id = panel.path("id").asInt();
      titles.put(id, panel.path("title").asText());
      results.put(id, panel(prom, panel, PANEL_WINDOW));
    }
    System.out.printf(
        "RealNodesE2E: series of the web pod (UDP in only) for the web monitor: %s; of every"
            + " monitored pod, per pod: %s%n",
        prom.scalar("count({__name__=~\"trafficmonitor_.+\", monitor=\"web\", pod_name=\"web\"})"),
        prom.scalar(
            "count({__name__=~\"trafficmonitor_.+\", pod_name!=\"\"}) / count(count by"
                + " (pod_namespace, pod_name) ({__name__=~\"trafficmonitor_.+\", pod_name!=\"\"}))"));
    String summary = traffic.get(seconds + 60, TimeUnit.SECONDS);
    double elapsed = Double.parseDouble(field(summary, "seconds", "[0-9.]+"));
    double bits = field(summary, "l3Bytes") * 8 / elapsed;
    double payloadBits = field(summary, "payloadBytes") * 8 / elapsed;
    double packets = field(summary, "messages") / elapsed;
    System.out.printf(
        "RealNodesE2E: dashboard ground truth %s: %.0f bit/s, %.0f payload bit/s, %.1f packets/s%n",
        summary, bits, payloadBits, packets);
    results.forEach(
        (id, r) -> System.out.printf("RealNodesE2E: panel %d (%s): %s%n", id, titles.get(id), r));

    Map<Integer, Consumer<List<JsonNode>>> expected = new TreeMap<>();
    expected.put(1, r -> near(value(r.get(0), Map.of("pod_name", "web")), bits));
    expected.put(2, r -> assertThat(value(r.get(0), Map.of("pod_name", "web"))).isZero());
    expected.put(3, r -> assertThat(r.get(0)).as("web selects no interface").isEmpty());
    expected.put(
        4, r -> near(value(r.get(0), Map.of("protocol", "UDP", "direction", "ingress")), packets));
    expected.put(5, r -> near(value(r.get(0), Map.of("pod_name", "web")), bits));
    expected.put(
        6,
        r ->
            assertThat(r.get(0))
                .hasSize(2)
                .allSatisfy(s -> assertThat(s.path("value").get(1).asDouble()).isEqualTo(1)));
    expected.put(
        7,
        r ->
            assertThat(r.get(0))
                .hasSize(2)
                .allSatisfy(
                    s -> assertThat(s.path("value").get(1).asDouble()).isBetween(0.0, 1.0)));
    expected.put(
        8,
        r -> {
          assertThat(r.get(0))
              .hasSize(2)
              .allSatisfy(s -> assertThat(s.path("value").get(1).asDouble()).isBetween(0.0, 0.5));
          assertThat(r.get(1))
              .allSatisfy(s -> assertThat(s.path("value").get(1).asDouble()).isZero());
        });
    // No TCP, no sequence numbers, no spec.flows.jitter: nothing, or no number, to show.
    for (int id : List.of(9, 10, 11, 18, 19)) {
      expected.put(id, r -> r.forEach(RealNodesE2E::noNumber));
    }
    // Every datagram arrived (the counts above): what the drops panel shows is the pods' other
    // kernel drops (a few a minute, NOT_SPECIFIED), never a share of this traffic.
    expected.put(
        12,
        r -> {
          double drops = 0;
          for (JsonNode t : r) {
            for (JsonNode s : t) {
              assertThat(number(s)).isNotNegative();
              drops += number(s);
            }
          }
          assertThat(drops).isLessThan(packets * 0.01);
        });
    expected.put(
        13,
        r -> near(value(r.get(0), Map.of("pod_name", "web", "direction", "ingress")), payloadBits));
    // 1000-byte packets are in the log2 bucket (512, 1024]; the median is interpolated in it.
    expected.put(
        14, r -> assertThat(value(r.get(0), Map.of("pod_name", "web"))).isBetween(512.0, 1024.0));
    expected.put(
        15,
        r ->
            assertThat(value(r.get(0), Map.of("outcome", "accounted")))
                .as("every packet seen at web's two hooks, at least")
                .isGreaterThanOrEqualTo(2 * packets * 0.98));
    expected.put(
        16,
        r -> {
          near(value(r.get(0), Map.of("direction", "ingress")), bits);
          near(value(r.get(1), Map.of("direction", "ingress")), bits);
        });
    expected.put(
        17, r -> near(value(r.get(0), Map.of("application", "gen", "direction", "ingress")), bits));
    // the datagrams come from the client pod, a pod without a controller: named by itself
    expected.put(
        21,
        r ->
            near(
                value(
                    r.get(0),
                    Map.of("peer_kind", "Pod", "peer_name", "client", "direction", "ingress")),
                bits));
    // no TCP to or from web in this window: no flow with a flag
    expected.put(20, r -> r.get(0).forEach(s -> assertThat(number(s)).isZero()));
    assertThat(expected.keySet()).as("an expectation for every panel").isEqualTo(results.keySet());
    results.forEach(
        (id, r) -> {
          try {
            expected.get(id).accept(r);
          } catch (AssertionError e) {
            throw new AssertionError(
                "panel " + id + " (" + titles.get(id) + "): " + e.getMessage(), e);
          }
        });
  }

  /**
   * The interval API of node A's agent, with the chart's RBAC: a ServiceAccount bound to the
   * namespace's {@code view} role (which the chart's rules are aggregated into) reads monitor
   * {@code name}'s intervals; one without a role is refused (403), no token too (401).
   */
  static void agentsAnswerOnlyWhoMayGetTheMonitor(String name) throws Exception {
    kubectl("create", "serviceaccount", "viewer", "-n", NS);
    kubectl("create", "serviceaccount", "nobody", "-n", NS);
    kubectl(
        "create",
        "rolebinding",
        "viewer",
        "--clusterrole=view",
        "--serviceaccount=" + NS + ":viewer",
        "-n",
        NS);
    String viewer = kubectl("create", "token", "viewer", "-n", NS).stdout().trim();
    String nobody = kubectl("create", "token", "nobody", "-n", NS).stdout().trim();
    String agentIp = agentIp(nodeA);
    String path = "/api/v1/namespaces/" + NS + "/trafficmonitors/" + name + "/intervals?after=0";
    Function<String, HttpResponse<String>> get = token -> agentGet(agentIp, path, token);
    var read = get.apply(viewer);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    assertThat(read.body()).contains("\"records\"", "\"node\":\"" + nodeA.name() + "\"");
    var refused = get.apply(nobody);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("system:serviceaccount:" + NS + ":nobody", "may not get");
    assertThat(get.apply(null).statusCode()).isEqualTo(401);
    System.out.printf(
        "RealNodesE2E: the agent's interval API: the view role's ServiceAccount read %d bytes,"
            + " one without a role refused: %s",
        read.body().length(), refused.body());
  }

  /**
   * The live API through the API server, as the chart installs it (an APIService whose endpoints
   * are the operator pods): the {@code viewer} ServiceAccount (the namespace's view role) reads the
   * records of monitor {@code name} from every node, poll and stream; {@code nobody} is refused by
   * the API server. Runs after {@link #agentsAnswerOnlyWhoMayGetTheMonitor}, which makes both.
   */
  static void theLiveApiAnswersOnlyWhoMayGetTheMonitor(String name) {
    await(
        "the APIService v1alpha1.live.trafficmonitor.io to be Available",
        Duration.ofSeconds(90),
        () ->
            nodes
                .cluster()
                .kubectl(
                    "get",
                    "apiservice",
                    "v1alpha1.live.trafficmonitor.io",
                    "-o",
                    "jsonpath={.status.conditions[?(@.type=='Available')].status}")
                .stdout()
                .strip()
                .equals("True"));
    String path =
        "/apis/live.trafficmonitor.io/v1alpha1/namespaces/" + NS + "/trafficmonitors/" + name;
    String viewer = "--as=system:serviceaccount:" + NS + ":viewer";
    ProcessResult read = kubectl("get", "--raw", path + "/intervals", viewer);
    @SuppressWarnings("unchecked")
    Map<String, Object> list = Serialization.unmarshal(read.stdout(), Map.class);
    assertThat(list.get("kind")).isEqualTo("IntervalReportList");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> items = (List<Map<String, Object>>) list.get("items");
    assertThat(items)
        .as("a report of node A's agent, with records")
        .anySatisfy(
            r -> {
              assertThat(r.get("node")).isEqualTo(nodeA.name());
              assertThat((List<?>) r.get("records")).isNotEmpty();
            });
    assertThat((String) list.get("cursor")).contains(nodeA.name() + ":");
    ProcessResult refused =
        nodes
            .cluster()
            .kubectl(
                "get",
                "--raw",
                path + "/intervals",
                "--as=system:serviceaccount:" + NS + ":nobody");
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.stderr()).contains("forbidden", "trafficmonitors/intervals");
    // The stream, through the API server: kubectl prints each event as it comes; 3 s of it.
    ProcessResult stream =
        Commands.run(
            Duration.ofSeconds(20),
            List.of(
                "timeout",
                "3",
                KubeBinaries.locate().kubectl().toString(),
                "--kubeconfig=" + nodes.cluster().kubeconfig(),
                "get",
                "--raw",
                path + "/intervals/stream?after=" + list.get("cursor"),
                viewer),
            null);
    assertThat(stream.stdout()).as(stream.stderr()).contains("data: {", "\"records\"");
    System.out.printf(
        "RealNodesE2E: the live API through the API server: %d bytes polled, %d streamed in 3 s,"
            + " refused: %s%n",
        read.stdout().length(), stream.stdout().length(), refused.stderr().strip());
    for (String snapshot : List.of("realtime", "summary")) {
      ProcessResult r = kubectl("get", "--raw", path + "/" + snapshot, viewer);
      assertThat(r.stdout()).as(snapshot).contains("\"node\":\"" + nodeA.name() + "\"", "\"pods\"");
    }
    assertThat(kubectl("get", "--raw", path + "/realtime", viewer).stdout())
        .as("the monitor asks for prefixes: each node's realtime snapshot lists them")
        .contains("\"heavyPrefixes\"");
    thePluginShowsTheMonitorToWhoMayReadIt(name);
  }

  /**
   * {@code kubectl tm}, from the release archive the build makes, run by kubectl from PATH as a
   * user would: {@code flows} streams the viewer's records as json lines, {@code top --once}
   * renders the monitor (the screen goes to target/plugin-top-screen.txt, which docs/plugin.md
   * shows), and {@code nobody} is refused with the API server's reason.
   */
  static void thePluginShowsTheMonitorToWhoMayReadIt(String name) {
    Path bin = pluginBin();
    Map<String, String> env =
        Map.of(
            "PATH",
            bin + ":" + System.getenv("PATH"),
            "KUBECONFIG",
            nodes.cluster().kubeconfig().toString());
    String kubectl = KubeBinaries.locate().kubectl().toString();
    String viewer = "--as=system:serviceaccount:" + NS + ":viewer";
    ProcessResult flows =
        run(
            env, kubectl, "tm", "flows", name, "-n", NS, "-o", "json", "--watch", "--limit", "5",
            viewer);
    assertThat(flows.exitCode()).as(flows.stderr()).isZero();
    List<String> lines = flows.stdout().lines().toList();
    assertThat(lines).hasSize(5);
    assertThat(lines)
        .allSatisfy(
            l ->
                assertThat(l)
                    .startsWith("{\"monitor\":\"" + NS + "/" + name + "\",\"node\":")
                    .contains("\"cursor\":"));
    // The screen while the client sends to web (4 Mbit/s of UDP for 6 s): after 3 s, one frame.
    CompletableFuture<String> traffic =
        CompletableFuture.supplyAsync(
            () ->
                generate(
                    "--protocol",
                    "udp",
                    "--target",
                    pod("web").getStatus().getPodIP() + ":7000",
                    "--size",
                    "500",
                    "--rate",
                    "4Mbit",
                    "--duration",
                    "6s"));
    try {
      Thread.sleep(3_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    ProcessResult top = run(env, kubectl, "tm", "top", name, "-n", NS, "--once", viewer);
    traffic.join();
    assertThat(top.exitCode()).as(top.stderr()).isZero();
    assertThat(top.stdout())
        .contains(
            "kubectl tm top  " + NS + "/" + name, "TOP FLOWS", NS + "/web ", "HEAVY PREFIXES");
    try {
      Files.writeString(Path.of("target/plugin-top-screen.txt"), top.stdout());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ProcessResult refused =
        run(
            env,
            kubectl,
            "tm",
            "flows",
            name,
            "-n",
            NS,
            "--as=system:serviceaccount:" + NS + ":nobody");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stderr())
        .startsWith("error: you may not read trafficmonitor " + NS + "/" + name)
        .contains("trafficmonitors/intervals");
    System.out.printf(
        "RealNodesE2E: kubectl tm: 5 json lines, top --once:%n%s%nrefused: %s%n",
        top.stdout(), refused.stderr().strip());
  }

  /** The plugin's release archive (the plugin module's package), unpacked into target. */
  static Path pluginBin() {
    try (var archives = Files.list(Path.of("..", "plugin", "target"))) {
      Path archive =
          archives
              .filter(
                  p -> p.getFileName().toString().matches("kubectl-trafficmonitor-.*\\.tar\\.gz"))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError("no plugin/target/kubectl-trafficmonitor-*.tar.gz"));
      Path dir = Files.createDirectories(Path.of("target", "plugin"));
      run(Map.of(), "tar", "-xzf", archive.toString(), "-C", dir.toString()).orThrow();
      try (var unpacked = Files.list(dir)) {
        return unpacked
            .filter(p -> p.getFileName().toString().startsWith("kubectl-trafficmonitor-"))
            .findFirst()
            .orElseThrow()
            .toAbsolutePath();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code command} with {@code env} added to this process's environment (at most 60 s). */
  static ProcessResult run(Map<String, String> env, String... command) {
    return Commands.run(Duration.ofSeconds(60), List.of(command), null, env);
  }

  /** status.summary.heavyPrefixes of TrafficMonitor {@code name} (empty when none). */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> heavyPrefixes(String name) {
    var tm =
        client
            .genericKubernetesResources("trafficmonitor.io/v1alpha1", "TrafficMonitor")
            .inNamespace(NS)
            .withName(name)
            .get();
    Map<String, Object> status = (Map<String, Object>) tm.getAdditionalProperties().get("status");
    Map<String, Object> summary =
        status == null ? null : (Map<String, Object>) status.get("summary");
    Object heavy = summary == null ? null : summary.get("heavyPrefixes");
    return heavy == null ? List.of() : (List<Map<String, Object>>) heavy;
  }

  /** The chart's dashboard. */
  static JsonNode dashboard() throws IOException {
    return Serialization.unmarshal(
        Files.readString(Tools.repoRoot().resolve("charts/trafficmonitor/files/dashboard.json")),
        JsonNode.class);
  }

  /** The results of a panel's queries, as Grafana runs them for the web monitor over window. */
  static List<JsonNode> panel(PrometheusServer prom, JsonNode panel, Duration window) {
    List<JsonNode> perTarget = new ArrayList<>();
    for (JsonNode target : panel.path("targets")) {
      String expr =
          target
              .path("expr")
              .asText()
              .replace("$monitor_namespace", NS)
              .replace("$monitor", "web")
              .replace("$__rate_interval", window.toSeconds() + "s");
      perTarget.add(prom.query(expr));
    }
    return perTarget;
  }

  /** The results of the dashboard's panel {@code id}. */
  static List<JsonNode> panel(PrometheusServer prom, int id, Duration window) throws IOException {
    for (JsonNode p : dashboard().path("panels")) {
      if (p.path("id").asInt() == id) {
        List<JsonNode> r = panel(prom, p, window);
        System.out.printf("RealNodesE2E: panel %d (%s): %s%n", id, p.path("title").asText(), r);
        return r;
      }
    }
    throw new AssertionError("no panel " + id);
  }

  /** Waits until the agent of {@code node} reports the web monitor's current generation. */
  static void awaitSpecApplied(String node) {
    await(
        "the agent of " + node + " applies the web monitor's spec",
        Duration.ofSeconds(30),
        () ->
            nodeEntry(node)
                .map(
                    e ->
                        Objects.equals(
                            ((Number) e.getOrDefault("observedGeneration", -1)).longValue(),
                            monitor("web").getMetadata().getGeneration()))
                .orElse(false));
  }

  /** The value of the series of {@code result} whose labels include {@code labels}; 0 if none. */
  static double value(JsonNode result, Map<String, String> labels) {
    for (JsonNode s : result) {
      if (labels.entrySet().stream()
          .allMatch(e -> e.getValue().equals(s.path("metric").path(e.getKey()).asText()))) {
        return number(s);
      }
    }
    return 0;
  }

  static double number(JsonNode sample) {
    return Double.parseDouble(sample.path("value").get(1).asText());
  }

  /** No series, or only series without a number (0/0 of a ratio, a quantile of nothing). */
  static void noNumber(JsonNode result) {
    result.forEach(s -> assertThat(number(s)).isNaN());
  }

  /** Within 2% of the ground truth. */
  static void near(double value, double truth) {
    assertThat(value).isCloseTo(truth, Percentage.withPercentage(2));
  }

  @Test
  @Order(10)
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
  @Order(11)
  void sequenceLossIsCountedExactlyAndThePacketLossAlertFires() throws Exception {
    PrometheusServer prom = prometheus();
    // Loss from sequence numbers, limited to 1%; the sender leaves out every 20th number (5%).
    applyWebMonitor(
        "sequence: {protocol: UDP, offset: 0}",
        "alerts: {maxPacketLossRatio: 0.01, for: 1s}",
        "flows: {jitter: true}");
    loadWebRule(LOSS_ALERT, "0.01");
    awaitSpecApplied(nodeA.name()); // sequence numbers are read
    Map<String, Object> seq0 = sequence(nodeA.name());
    long start = System.nanoTime();
    CompletableFuture<String> traffic =
        CompletableFuture.supplyAsync(
            () ->
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
                    "20"));
    // The dashboard's loss panel while it runs, over a window within the traffic: 1 number in 20
    // missing. Its jitter panel: every flow's jitter (spec.flows.jitter), a number now.
    Thread.sleep(8_000);
    Duration window = Duration.ofSeconds(5);
    near(value(panel(prom, 11, window).get(0), Map.of("pod_name", "web")), 1.0 / 20);
    for (JsonNode quantile : panel(prom, 19, window)) {
      assertThat(value(quantile, Map.of("pod_name", "web")))
          .as("jitter of 1,000 datagrams per second paced in the sender, in seconds")
          .isBetween(1e-6, 0.1);
    }
    String summary = traffic.get(60, TimeUnit.SECONDS);
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
    // the pod's series (its veth's family sees the same packets)
    String lostQuery =
        "sum(trafficmonitor_pod_sequence_lost_packets_total{monitor_namespace=\"shop\","
            + " monitor=\"web\", pod_name=\"web\"})";
    long lost = number(q, "lost");
    await(
        "Prometheus scrapes the same loss",
        Duration.ofSeconds(20),
        () -> prom.scalar(lostQuery).orElse(0.0) == (double) lost);
  }

  /**
   * The dashboard's TCP panels with TCP of known shape: the web pod connects to the client pod's
   * TCP server, first twice (so that the flag and TCP series exist before the window), then 8
   * connections of 10 s each, while the client pod's network namespace drops every 50th data
   * segment that arrives (nftables, so that hundreds of segments are retransmitted, not the two or
   * three of a clean run, whose ratio one segment moves by a third); the panels over a window that
   * holds the 8 and not the 2: connections per second by flag (the SYN and FIN of each, both
   * directions: 8 in the window), the retransmit ratio against the web pod's own kernel counters
   * (/proc/net/snmp of its network namespace), the RTT and congestion window against what the
   * kernel says of the same connections meanwhile ({@code ss -ti} in the web pod's namespace).
   */
  @Test
  @Order(12)
  void tcpPanelsShowTheConnectionsMade() throws Exception {
    PrometheusServer prom = prometheus();
    applyWebMonitor();
    awaitSpecApplied(nodeA.name());
    String server = pod("client").getStatus().getPodIP() + ":7000";
    String clientNs = netnsHolder(pod("client").getStatus().getPodIP());
    String webNs = netnsHolder(pod("web").getStatus().getPodIP());
    host(List.of("nsenter", "-t", clientNs, "-n", "nft", "-f", "-"), DROP_EVERY_50TH_SEGMENT);
    String summary;
    List<Double> rttMillis = new ArrayList<>();
    List<Double> cwnds = new ArrayList<>();
    Duration window = Duration.ofSeconds(25);
    long[] snmp0;
    try {
      // The two before the window carry a second of data, so that some of it is retransmitted:
      // rate() extrapolates a counter to the window's start only where it was above zero there,
      // and the ratio's two counters must be extrapolated alike.
      tcpFromWeb(server, 2, "1s");
      Thread.sleep(window.plusSeconds(3).toMillis()); // the first two are out of the window
      snmp0 = tcpSegments("web");
      CompletableFuture<String> traffic =
          CompletableFuture.supplyAsync(() -> tcpFromWeb(server, 8, "10s"));
      for (int i = 0; i < 4; i++) {
        Thread.sleep(2_000);
        String ss =
            host(
                    List.of(
                        "nsenter",
                        "-t",
                        webNs,
                        "-n",
                        "ss",
                        "-Htin",
                        "state",
                        "established",
                        "( dport = :7000 )"),
                    null)
                .stdout();
        rttMillis.addAll(ssValues(ss, "rtt:([0-9.]+)/"));
        cwnds.addAll(ssValues(ss, "cwnd:([0-9]+)"));
      }
      summary = traffic.get(60, TimeUnit.SECONDS);
    } finally {
      host(
          List.of("nsenter", "-t", clientNs, "-n", "nft", "delete", "table", "inet", "tmtest"),
          null);
    }
    long[] snmp1 = tcpSegments("web");
    assertThat(field(summary, "connections")).isEqualTo(8);
    Thread.sleep(3_000); // scraped
    // A counter that steps inside the window: rate() divides the step by the sampled part of the
    // window (1 s scrapes: up to 2 s less), so 8 connections read between 8/25 and 8/23 per second.
    List<JsonNode> flags = panel(prom, 20, window);
    for (String flag : List.of("SYN", "FIN")) {
      for (String direction : List.of("egress", "ingress")) {
        assertThat(value(flags.get(0), Map.of("flag", flag, "direction", direction)))
            .as(flag + " " + direction)
            .isBetween(8.0 / window.toSeconds() * 0.98, 8.0 / (window.toSeconds() - 2) * 1.02);
      }
    }
    // Linux's OutSegs leaves retransmitted segments out (RFC 1213's tcpOutSegs); the panel divides
    // by every segment sent, as the agent counts the pod's packets.
    double retransmitted = snmp1[1] - snmp0[1];
    double sentSegments = snmp1[0] - snmp0[0] + retransmitted;
    System.out.printf(
        "RealNodesE2E: web pod's kernel: %.0f segments sent (OutSegs + RetransSegs), %.0f"
            + " retransmitted%n",
        sentSegments, retransmitted);
    // The ratio's two parts, for a mismatch: the agent's counts against the kernel's.
    System.out.printf(
        "RealNodesE2E: over the window, the agent's retransmits %s and TCP egress packets %s%n",
        prom.query(
            "sum(increase(trafficmonitor_tcp_retransmits_total{monitor=\"web\",pod_name=\"web\"}["
                + window.toSeconds()
                + "s]))"),
        prom.query(
            "sum(increase(trafficmonitor_pod_packets_total{monitor=\"web\",pod_name=\"web\","
                + "protocol=\"TCP\",direction=\"egress\"}["
                + window.toSeconds()
                + "s]))"));
    assertThat(retransmitted)
        .as("the client's namespace dropped every 50th data segment: about 2% retransmitted")
        .isGreaterThan(sentSegments / 200);
    double ratio = value(panel(prom, 9, window).get(0), Map.of("pod_name", "web"));
    // RTT and cwnd: the p50 of log2 buckets, against the median of what ss read of the same 8
    // connections every 2 s; within a factor of 4 (two buckets: the agent samples every segment,
    // ss four moments), which still tells seconds from microseconds and segments from bytes.
    double rttTruth = median(rttMillis) / 1000;
    double cwndTruth = median(cwnds);
    JsonNode rttP50 = panel(prom, 10, window).get(0);
    JsonNode cwndP50 = panel(prom, 18, window).get(0);
    double rtt = value(rttP50, Map.of("pod_name", "web"));
    double cwnd = value(cwndP50, Map.of("pod_name", "web"));
    System.out.printf(
        "RealNodesE2E: RTT p50 %.6f s (ss median %.6f s of %d), cwnd p50 %.1f (ss median %.1f of"
            + " %d)%n",
        rtt, rttTruth, rttMillis.size(), cwnd, cwndTruth, cwnds.size());
    near(ratio, retransmitted / sentSegments);
    assertThat(rttMillis).as("ss saw the connections").hasSizeGreaterThanOrEqualTo(8);
    assertThat(rtt).as("RTT p50, seconds").isBetween(rttTruth / 4, rttTruth * 4);
    assertThat(cwnd).as("cwnd p50, segments").isBetween(cwndTruth / 4, cwndTruth * 4);
  }

  /**
   * nftables for a pod's network namespace: drop every 50th TCP segment to port 7000 that carries
   * no SYN, FIN or RST (data; the connections still open and close as they would).
   */
  static final String DROP_EVERY_50TH_SEGMENT =
      """
      table inet tmtest {
        chain input {
          type filter hook input priority 0; policy accept;
          tcp dport 7000 tcp flags & (syn | fin | rst) == 0 numgen inc mod 50 == 0 drop
        }
      }
      """;

  /** Runs {@code command} on the host (root), with {@code stdin} or none; fails if it fails. */
  static ProcessResult host(List<String> command, String stdin) {
    return Commands.run(Duration.ofSeconds(30), command, stdin).orThrow();
  }

  /**
   * The host pid of a process in the network namespace that holds address {@code ip} (a pod's), for
   * nsenter: lsns lists one process of each namespace.
   */
  static String netnsHolder(String ip) {
    for (String pid :
        host(List.of("lsns", "-t", "net", "-n", "-o", "PID"), null)
            .stdout()
            .lines()
            .map(String::strip)
            .filter(l -> !l.isEmpty())
            .toList()) {
      ProcessResult addresses =
          Commands.run(
              Duration.ofSeconds(10),
              List.of("nsenter", "-t", pid, "-n", "ip", "-o", "-4", "addr", "show"));
      if (addresses.succeeded() && addresses.stdout().contains(" " + ip + "/")) {
        return pid;
      }
    }
    throw new AssertionError("no network namespace on this machine holds " + ip);
  }

  /** Every number that {@code pattern}'s group 1 finds in ss's output. */
  static List<Double> ssValues(String ss, String pattern) {
    return Pattern.compile(pattern)
        .matcher(ss)
        .results()
        .map(m -> Double.parseDouble(m.group(1)))
        .toList();
  }

  static double median(List<Double> values) {
    assertThat(values).as("samples").isNotEmpty();
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  /** TCP from the web pod to {@code server}: 16 Mbit/s over {@code connections} together. */
  static String tcpFromWeb(String server, int connections, String duration) {
    return generateFrom(
        "web",
        "--protocol",
        "tcp",
        "--target",
        server,
        "--connections",
        Integer.toString(connections),
        "--rate",
        "16Mbit",
        "--duration",
        duration);
  }

  /** Runs the generator's client in pod {@code name} of the test's namespace. */
  static String generateFrom(String name, String... args) {
    List<String> cmd = new ArrayList<>(List.of("exec", "-n", NS, name, "--"));
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

  /** OutSegs and RetransSegs of the TCP of pod {@code name}'s network namespace. */
  static long[] tcpSegments(String name) {
    List<String> tcp =
        kubectl("exec", "-n", NS, name, "--", "cat", "/proc/net/snmp")
            .stdout()
            .lines()
            .filter(l -> l.startsWith("Tcp:"))
            .toList();
    List<String> names = List.of(tcp.get(0).split("\\s+"));
    List<String> values = List.of(tcp.get(1).split("\\s+"));
    return new long[] {
      Long.parseLong(values.get(names.indexOf("OutSegs"))),
      Long.parseLong(values.get(names.indexOf("RetransSegs")))
    };
  }

  @Test
  @Order(13)
  void deletedPodIsDetached() {
    kubectl("delete", "pod", "web-b", "-n", NS, "--wait=false");
    await("node B reports no pod", Duration.ofSeconds(60), () -> pods(nodeB.name()) == 0);
    assertThat(pods(nodeA.name())).isEqualTo(1);
  }

  @Test
  @Order(14)
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
  @Order(15)
  void deletingTheMonitorDetachesButTheAgentsStayForTheNextOne() throws Exception {
    kubectl("delete", "tm", "web", "-n", NS, "--wait=true");
    PrometheusServer prom = prometheus();
    await(
        "no agent serves a monitor any more, and the web pod's series are gone",
        Duration.ofSeconds(30),
        () ->
            prom.scalar("sum(trafficmonitor_monitors_served)").orElse(-1.0) == 0.0
                && prom.scalar("count(trafficmonitor_pod_bytes_total{pod_name=\"web\"})")
                    .isEmpty());
    assertThat(agents()).as("one agent per node, for the next monitor").hasSize(2);
    assertThat(client.apps().daemonSets().inNamespace(NS).list().getItems()).isEmpty();
  }
}
