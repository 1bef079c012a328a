package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.api.v1alpha1.Application;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.Direction;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.Protocol;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.testing.TestCluster;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One agent serves every monitor that selects its node: four monitors on the same two pods (all
 * traffic, one port, ingress only, and one whose nodeSelector misses the node), one in another
 * namespace and a ClusterTrafficMonitor of every namespace's web pods. One set of programs is
 * attached, each monitor's figures are exact for its own selection, a monitor of another namespace
 * sees none of it, and a monitor that stops selecting the node loses its entry and series while the
 * others keep counting.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiMonitorIT {
  static final int UDP_IPV4_HEADERS = 28;

  static KubernetesClient client;
  static String shop;
  static String other;
  static String nodeName;
  static TestNode node;
  static TestNode.TestPod a;
  static TestNode.TestPod b;
  static TestNode.TestPod c;
  static PrometheusMeterRegistry registry;
  static Agent agent;

  @BeforeAll
  static void setUp() throws Exception {
    Cluster.requireKernelAndCluster();
    TestCluster cluster = TestCluster.shared();
    client = cluster.client();
    Cluster.installCrd(cluster);
    int id = ThreadLocalRandom.current().nextInt(10_000, 99_999);
    shop = "tm-multi-" + id;
    other = "tm-multi-other-" + id;
    Cluster.createNamespace(client, shop);
    Cluster.createNamespace(client, other);
    nodeName = "tmmm" + id;
    cluster.addNode(nodeName, Map.of("zone", "a", "trafficmonitor.io/test", nodeName));
    node = new TestNode(client, nodeName, id % 250);
    a = node.addPod(shop, "a", 2, Map.of("app", "web"));
    b = node.addPod(shop, "b", 3, Map.of("app", "web"));
    c = node.addPod(other, "c", 4, Map.of("app", "web"));

    create(Cluster.monitor(shop, "all", "web", "100ms"));
    TrafficMonitor port = Cluster.monitor(shop, "port", "web", "100ms");
    port.getSpec().setPorts(List.of("7001"));
    Application media = new Application();
    media.setName("media");
    media.setPort(7001);
    media.setProtocol(Protocol.UDP);
    port.getSpec().setApplications(List.of(media));
    create(port);
    TrafficMonitor in = Cluster.monitor(shop, "in", "web", "100ms");
    in.getSpec().setDirection(Direction.Ingress);
    create(in);
    TrafficMonitor elsewhere = Cluster.monitor(shop, "elsewhere", "web", "100ms");
    elsewhere.getSpec().setNodeSelector(Map.of("zone", "b"));
    create(elsewhere);
    create(Cluster.monitor(other, "theirs", "web", "100ms"));
    ClusterTrafficMonitor everywhere = new ClusterTrafficMonitor();
    everywhere.getMetadata().setName(nodeName + "-everywhere");
    everywhere.setSpec(Cluster.monitor(shop, "x", "web", "100ms").getSpec());
    everywhere.getSpec().setStatusInterval("1s");
    // only this test's node: other test classes' agents serve cluster monitors too
    everywhere.getSpec().setNodeSelector(Map.of("trafficmonitor.io/test", nodeName));
    client.resource(everywhere).create();

    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    agent = new Agent(AgentConfig.from(node.agentEnv(null)), client, registry);
    agent.start();
  }

  static void create(TrafficMonitor tm) {
    tm.getSpec().setStatusInterval("1s");
    client.resource(tm).create();
  }

  @AfterAll
  static void tearDown() throws Exception {
    try {
      Cluster.tearDown(agent, node, client, shop, nodeName);
    } finally {
      if (client != null && other != null) {
        client.namespaces().withName(other).delete();
        client.resources(ClusterTrafficMonitor.class).withName(nodeName + "-everywhere").delete();
      }
    }
  }

  static Optional<NodeStatus> entry(String namespace, String name) {
    TrafficMonitor tm =
        client.resources(TrafficMonitor.class).inNamespace(namespace).withName(name).get();
    if (tm == null || tm.getStatus() == null || tm.getStatus().getNodes() == null) {
      return Optional.empty();
    }
    return tm.getStatus().getNodes().stream().filter(n -> nodeName.equals(n.getNode())).findFirst();
  }

  static Optional<NodeStatus> clusterEntry() {
    ClusterTrafficMonitor tm =
        client.resources(ClusterTrafficMonitor.class).withName(nodeName + "-everywhere").get();
    if (tm == null || tm.getStatus() == null || tm.getStatus().getNodes() == null) {
      return Optional.empty();
    }
    return tm.getStatus().getNodes().stream().filter(n -> nodeName.equals(n.getNode())).findFirst();
  }

  static NodeStatus entryWith(String namespace, String name, long rxPackets) throws Exception {
    return Wait.until(
        namespace + "/" + name + " with " + rxPackets + " packets received",
        Duration.ofSeconds(30),
        () ->
            (namespace == null ? clusterEntry() : entry(namespace, name))
                .filter(s -> s.getRxPackets() != null && s.getRxPackets() >= rxPackets));
  }

  /**
   * The monitors of this test the agent serves (it serves every namespace's: monitors of other test
   * classes whose namespaces are still being deleted may be served too).
   */
  static Set<String> ours() {
    Set<String> out = new HashSet<>();
    for (String k : agent.served()) {
      if (k.startsWith(shop + "/") || k.startsWith(other + "/") || k.startsWith(nodeName)) {
        out.add(k);
      }
    }
    return out;
  }

  static int count(String programs, String name) {
    Matcher m = Pattern.compile(Pattern.quote(name)).matcher(programs);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Test
  @Order(1)
  void oneSetOfProgramsAndEveryMonitorExactForItsOwnSelection() throws Exception {
    Wait.until(
        "four monitors served",
        Duration.ofSeconds(30),
        () ->
            ours()
                .equals(
                    Set.of(
                        shop + "/all",
                        shop + "/port",
                        shop + "/in",
                        other + "/theirs",
                        nodeName + "-everywhere")));
    Wait.until(
        "pods attached for every monitor",
        Duration.ofSeconds(30),
        () ->
            entry(shop, "all").map(s -> Integer.valueOf(2).equals(s.getPods())).orElse(false)
                && entry(other, "theirs")
                    .map(s -> Integer.valueOf(1).equals(s.getPods()))
                    .orElse(false));
    String programs = Cgroups.attachedPrograms(a.cgroup);
    assertThat(count(programs, "tm_cg_egress"))
        .as("one program per hook, whatever the number of monitors: %s", programs)
        .isEqualTo(1);
    assertThat(count(programs, "tm_cg_ingress")).isEqualTo(1);

    int onPort = 40;
    int offPort = 25;
    int size = 200;
    a.sendUdp(b, 7100, 7001, onPort, size);
    a.sendUdp(b, 7101, 7002, offPort, size);
    long per = size + UDP_IPV4_HEADERS;

    NodeStatus all = entryWith(shop, "all", onPort + offPort);
    assertThat(all.getTxPackets()).isEqualTo(onPort + offPort);
    assertThat(all.getRxPackets()).isEqualTo(onPort + offPort);
    assertThat(all.getTxBytes()).isEqualTo((onPort + offPort) * per);

    NodeStatus port = entryWith(shop, "port", onPort);
    assertThat(port.getTxPackets()).as("spec.ports 7001 only").isEqualTo(onPort);
    assertThat(port.getRxPackets()).isEqualTo(onPort);
    assertThat(port.getRxBytes()).isEqualTo(onPort * per);
    assertThat(port.getTopFlows())
        .allSatisfy(f -> assertThat(f.getDestinationPort()).isEqualTo(7001))
        .allSatisfy(
            f -> assertThat(f.getApplication()).as("its spec.applications").isEqualTo("media"));

    NodeStatus in = entryWith(shop, "in", onPort + offPort);
    assertThat(in.getRxPackets()).isEqualTo(onPort + offPort);
    assertThat(in.getTxPackets()).as("direction Ingress").isZero();

    agent.collectNow();
    agent.writeStatusNow();
    NodeStatus theirs = entry(other, "theirs").orElseThrow();
    assertThat(theirs.getRxPackets()).as("another namespace's monitor sees none of it").isZero();
    assertThat(theirs.getTxPackets()).isZero();
    assertThat(entry(shop, "elsewhere")).as("nodeSelector zone=b: not this node").isEmpty();
    NodeStatus everywhere = entryWith(null, nodeName + "-everywhere", onPort + offPort);
    assertThat(everywhere.getPods()).as("web pods of both namespaces").isEqualTo(3);
    assertThat(everywhere.getRxPackets()).isEqualTo(onPort + offPort);
    assertThat(everywhere.getTxPackets()).isEqualTo(onPort + offPort);

    String m = registry.scrape();
    Map<String, String> allB =
        Map.of(
            "monitor_namespace", shop, "monitor", "all", "pod_name", "b", "direction", "ingress");
    Map<String, String> portB =
        Map.of(
            "monitor_namespace", shop, "monitor", "port", "pod_name", "b", "direction", "ingress");
    assertThat(Scrape.sum(m, "trafficmonitor_pod_packets_total", allB)).isEqualTo(onPort + offPort);
    assertThat(Scrape.sum(m, "trafficmonitor_pod_packets_total", portB)).isEqualTo(onPort);
    // each monitor names the same flows by its own spec.applications
    assertThat(
            Scrape.sum(
                m,
                "trafficmonitor_pod_application_packets_total",
                Map.of("monitor", "port", "pod_name", "b", "application", "media")))
        .isEqualTo(onPort);
    assertThat(
            Scrape.has(
                m,
                "trafficmonitor_pod_application_packets_total",
                Map.of("monitor", "all", "application", "media")))
        .isFalse();
    assertThat(
            Scrape.sum(
                m,
                "trafficmonitor_pod_packets_total",
                Map.of("monitor_namespace", other, "monitor", "theirs")))
        .isZero();
    // a ClusterTrafficMonitor: an empty monitor_namespace
    assertThat(
            Scrape.sum(
                m,
                "trafficmonitor_pod_packets_total",
                Map.of(
                    "monitor_namespace",
                    "",
                    "monitor",
                    nodeName + "-everywhere",
                    "pod_namespace",
                    shop,
                    "pod_name",
                    "b",
                    "direction",
                    "ingress")))
        .isEqualTo(onPort + offPort);
    assertThat(m).contains("trafficmonitor_monitors_served " + agent.served().size() + ".0");
  }

  @Test
  @Order(2)
  void aMonitorThatStopsSelectingTheNodeLosesItsEntryAndTheOthersKeepCounting() throws Exception {
    long before = entry(shop, "all").orElseThrow().getRxPackets();
    mergeSpec("port", "{\"nodeSelector\": {\"zone\": \"b\"}}");
    mergeSpec("elsewhere", "{\"nodeSelector\": {\"zone\": \"a\"}}");
    Wait.until(
        "port's entry removed",
        Duration.ofSeconds(30),
        () -> entry(shop, "port").isEmpty() && entry(shop, "elsewhere").isPresent());
    assertThat(registry.scrape()).doesNotContain("monitor=\"port\"");

    a.sendUdp(b, 7102, 7001, 10, 100);
    NodeStatus all = entryWith(shop, "all", before + 10);
    assertThat(all.getRxPackets()).isEqualTo(before + 10);
    NodeStatus elsewhere = entryWith(shop, "elsewhere", 10);
    assertThat(elsewhere.getRxPackets()).as("counts from when it selected the node").isEqualTo(10);
    assertThat(count(Cgroups.attachedPrograms(a.cgroup), "tm_cg_egress")).isEqualTo(1);
  }

  @Test
  @Order(3)
  void aLargerMaxTrackedTakesEffectWithoutARestartAndLosesNothing() throws Exception {
    long before = entry(shop, "all").orElseThrow().getRxPackets();
    AtomicInteger batches = new AtomicInteger();
    CompletableFuture<Void> sending =
        CompletableFuture.runAsync(
            () -> {
              try {
                for (int i = 0; i < 20; i++) {
                  a.sendUdp(b, 7103, 7001, 20, 100);
                  batches.incrementAndGet();
                  Thread.sleep(100);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Wait.until("a few batches sent", Duration.ofSeconds(30), () -> batches.get() >= 3);
    mergeSpec("all", "{\"flows\": {\"maxTracked\": 100000}}");
    Wait.until(
        "the flow map holds 100,000 flows",
        Duration.ofSeconds(30),
        () -> registry.scrape().contains("trafficmonitor_flows_capacity 100000.0"));
    sending.get(60, TimeUnit.SECONDS);
    NodeStatus all = entryWith(shop, "all", before + 400);
    assertThat(all.getRxPackets())
        .as("nothing lost or repeated by the switch")
        .isEqualTo(before + 400);
    assertThat(all.getErrors()).noneMatch(e -> e.contains("maxTracked"));
    assertThat(count(Cgroups.attachedPrograms(a.cgroup), "tm_cg_egress")).isEqualTo(1);
  }

  /**
   * Changes a monitor of {@code shop} by a JSON merge patch of its spec: no resourceVersion, so no
   * conflict with the status the agent writes every second.
   */
  static void mergeSpec(String name, String specJson) {
    client
        .resources(TrafficMonitor.class)
        .inNamespace(shop)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": " + specJson + "}");
  }
}
