package io.trafficmonitor.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.testing.Await;
import io.trafficmonitor.testing.KubeletNode;
import io.trafficmonitor.testing.KubeletNodes;
import io.trafficmonitor.testing.KubeletNodesExtension;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.PrometheusServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * The product as it ships, on two real kubelet nodes: images built here and loaded into each node's
 * containerd, {@code helm install} of the chart, the operator as a Deployment pod with only its own
 * ServiceAccount, the agents as DaemonSet pods with the shipped securityContext, workload pods of
 * the traffic-generator image. Traffic of known size between pods on the two nodes shows up in the
 * monitor's status and in Prometheus exactly as the generator counted it.
 */
@ExtendWith(KubeletNodesExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodesE2E {
  static final String NS = "shop";

  /** The generator in its image; the image's entrypoint runs the same. */
  static final List<String> TRAFFICGEN =
      List.of("/opt/jre/bin/java", "-jar", "/app/trafficgen.jar");

  static KubeletNodes nodes;
  static KubernetesClient client;
  static KubeletNode nodeA;
  static KubeletNode nodeB;

  @BeforeAll
  static void install(KubeletNodes kubeletNodes) {
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
        images.toMillis(), (System.nanoTime() - start) / 1_000_000);
    kubectl("create", "namespace", NS);
    long pods = System.nanoTime();
    kubectlApply(workload("web", nodeA, "app: web", "server", "--protocol", "udp"));
    kubectlApply(workload("client", nodeB, "app: client", "server", "--protocol", "tcp"));
    await(
        "the workload pods run",
        Duration.ofSeconds(90),
        () -> ready(pod("web")) && ready(pod("client")));
    System.out.printf(
        "RealNodesE2E: two workload pods Ready %d ms after apply%n",
        (System.nanoTime() - pods) / 1_000_000);
  }

  @AfterAll
  static void uninstall() {
    if (nodes == null) {
      return;
    }
    nodes.cluster().kubectl("delete", "trafficmonitors", "--all", "-n", NS, "--wait=true");
    nodes.cluster().kubectl("delete", "namespace", NS, "--wait=true", "--timeout=60s");
    ProcessResult out = Install.helm(nodes, "uninstall", Install.RELEASE, "-n", Install.NAMESPACE);
    assertThat(out.exitCode()).as(out.stderr()).isZero();
    // The CRDs (and so every user's TrafficMonitors) survive an uninstall.
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("trafficmonitors.trafficmonitor.io")
                .get())
        .isNotNull();
  }

  static String workload(String name, KubeletNode node, String label, String... args) {
    StringBuilder argv = new StringBuilder();
    for (String a : args) {
      argv.append(argv.length() == 0 ? "" : ", ").append('"').append(a).append('"');
    }
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: %s, labels: {%s}}
        spec:
          nodeName: %s
          terminationGracePeriodSeconds: 1
          containers:
            - name: gen
              image: %s
              imagePullPolicy: Never
              args: [%s, "--listen", "0.0.0.0:7000", "--quiet"]
              securityContext:
                runAsNonRoot: true
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities: {drop: [ALL]}
              volumeMounts: [{name: tmp, mountPath: /tmp}]
          volumes: [{name: tmp, emptyDir: {}}]
        """
        .formatted(name, NS, label, node.name(), Install.image("trafficgen"), argv);
  }

  static ProcessResult kubectl(String... args) {
    return nodes.cluster().kubectl(args).orThrow();
  }

  static void kubectlApply(String manifest) {
    nodes.cluster().kubectlWithInput(manifest, "apply", "-f", "-").orThrow();
  }

  static Pod pod(String name) {
    return client.pods().inNamespace(NS).withName(name).get();
  }

  static boolean ready(Pod p) {
    return p != null
        && p.getStatus() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  static List<Pod> agents() {
    return client
        .pods()
        .inNamespace(NS)
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
                    .kubectl("logs", "-n", NS, p.getMetadata().getName(), "--tail=30")
                    .stdout());
          }
          return why.toString();
        });
  }

  @SuppressWarnings("unchecked")
  static Optional<Map<String, Object>> nodeEntry(String node) {
    GenericKubernetesResource tm =
        client
            .genericKubernetesResources("trafficmonitor.io/v1alpha1", "TrafficMonitor")
            .inNamespace(NS)
            .withName("web")
            .get();
    if (tm == null || tm.get("status") == null) {
      return Optional.empty();
    }
    List<Map<String, Object>> entries = tm.get("status", "nodes");
    return entries == null
        ? Optional.empty()
        : entries.stream().filter(n -> node.equals(n.get("node"))).findFirst();
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

  @Test
  @Order(1)
  void theOperatorRunsFromItsImageWithItsOwnServiceAccount() {
    Pod op = operators().get(0);
    assertThat(ready(op)).isTrue();
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
    kubectlApply(
        """
        apiVersion: trafficmonitor.io/v1alpha1
        kind: TrafficMonitor
        metadata: {name: web, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: web}}
          interval: 500ms
        """);
    await(
        "an agent pod runs on each node",
        Duration.ofSeconds(120),
        () -> agents().stream().filter(RealNodesE2E::ready).count() == 2);
    await(
        "both agents report, node A with the web pod",
        Duration.ofSeconds(60),
        () ->
            nodeEntry(nodeB.name()).isPresent()
                && nodeEntry(nodeA.name()).map(e -> number(e, "pods") == 1).orElse(false));
    System.out.printf(
        "RealNodesE2E: monitor applied to both agents reporting: %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
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
    List<String> cmd = new ArrayList<>(List.of("exec", "-n", NS, "client", "--"));
    cmd.addAll(TRAFFICGEN);
    cmd.addAll(
        List.of(
            "client",
            "--quiet",
            "--protocol",
            "udp",
            "--target",
            webIp + ":7000",
            "--count",
            "3000",
            "--size",
            "1000",
            "--rate",
            "8Mbit"));
    String summary =
        kubectl(cmd.toArray(String[]::new))
            .stdout()
            .lines()
            .filter(l -> l.startsWith("SUMMARY"))
            .findFirst()
            .orElseThrow();
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
  }

  @Test
  @Order(3)
  void prometheusScrapesTheAgentsThroughTheirPods() throws Exception {
    List<String> targets =
        agents().stream().map(p -> p.getStatus().getPodIP() + ":9400").sorted().toList();
    assertThat(targets).hasSize(2);
    try (PrometheusServer prom =
        PrometheusServer.start(targets, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of())) {
      await(
          "Prometheus scrapes both agents",
          Duration.ofSeconds(30),
          () -> prom.targetHealth().equals(List.of("up", "up")));
      String query =
          "sum(trafficmonitor_packets_total{pod=\"web\", direction=\"ingress\","
              + " interface=\"cgroup\"})";
      await("web's series exist", Duration.ofSeconds(30), () -> prom.scalar(query).isPresent());
      double exported = prom.scalar(query).orElseThrow();
      long status = number(nodeEntry(nodeA.name()).get(), "rxPackets");
      assertThat(exported).isEqualTo((double) status);
    }
  }

  @Test
  @Order(4)
  void logsAndExecWorkOnEveryPod() {
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
  }
}
