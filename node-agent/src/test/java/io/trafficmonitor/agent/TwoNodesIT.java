package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.IngressHook;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.Selector;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.testing.TestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two nodes (network namespaces joined by a link), one agent each, driven in-process with its
 * node's namespace: a pod of one node sends to a pod of the other (in another namespace, selected
 * through spec.namespaceSelector); each agent writes its own status.nodes entry (server-side apply,
 * its own field manager) and counts its pod's cgroup and its node's uplink (spec.interfaces glob)
 * exactly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoNodesIT {
  static final int HEADERS = 28;

  static KubernetesClient client;
  static String ns1;

  /** The ClusterTrafficMonitor of the two namespaces' pods, and the one of the nodes' uplinks. */
  static String podsMonitor;

  static String uplinksMonitor;
  static String ns2;
  static final List<TestNode> nodes = new ArrayList<>();
  static final List<Agent> agents = new ArrayList<>();
  static final List<PrometheusMeterRegistry> registries = new ArrayList<>();
  static TestNode.TestPod sender;
  static TestNode.TestPod receiver;

  @BeforeAll
  static void setUp() throws Exception {
    Cluster.requireKernelAndCluster();
    TestCluster cluster = TestCluster.shared();
    client = cluster.client();
    Cluster.installCrd(cluster);
    int id = ThreadLocalRandom.current().nextInt(10_000, 99_999);
    ns1 = "tm-two-" + id;
    ns2 = "tm-two-" + id + "-b";
    for (String ns : List.of(ns1, ns2)) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(ns)
                  .addToLabels("team", "t" + id)
                  .endMetadata()
                  .build())
          .create();
    }
    for (int i = 0; i < 2; i++) {
      String name = "tmt" + id + "n" + i;
      cluster.addNode(name, Map.of("trafficmonitor.io/test", "tmt" + id));
      nodes.add(new TestNode(client, name, (id + i) % 250));
    }
    TestNode.connect(nodes.get(0), nodes.get(1));
    sender = nodes.get(0).addPod(ns1, "sender", 2, Map.of("app", "two"));
    receiver = nodes.get(1).addPod(ns2, "receiver", 2, Map.of("app", "two"));

    // two namespaces' pods, and node interfaces: two ClusterTrafficMonitors (one may not count
    // both), of this test's nodes only (the agents of other test classes serve cluster monitors)
    podsMonitor = "tmt" + id + "-two";
    TrafficMonitorSpec spec = clusterSpec(id);
    Selector pods = new Selector();
    pods.setMatchLabels(Map.of("app", "two"));
    spec.setPodSelector(pods);
    Selector namespaces = new Selector();
    namespaces.setMatchLabels(Map.of("team", "t" + id));
    spec.setNamespaceSelector(namespaces);
    createClusterMonitor(podsMonitor, spec);
    uplinksMonitor = "tmt" + id + "-uplinks";
    TrafficMonitorSpec uplinks = clusterSpec(id);
    uplinks.setInterfaces(List.of("*up"));
    createClusterMonitor(uplinksMonitor, uplinks);

    for (TestNode n : nodes) {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      Agent agent = new Agent(AgentConfig.from(n.agentEnv(ns1)), client, registry);
      registries.add(registry);
      agents.add(agent);
      agent.start();
    }
  }

  @AfterAll
  static void tearDown() {
    for (Agent a : agents) {
      try {
        a.close();
      } catch (RuntimeException e) {
        // keep cleaning
      }
    }
    for (TestNode n : nodes) {
      n.close();
      if (client != null) {
        client.nodes().withName(n.name).delete();
      }
    }
    if (client != null && ns1 != null) {
      client.namespaces().withName(ns1).delete();
      client.namespaces().withName(ns2).delete();
      client.resources(ClusterTrafficMonitor.class).withName(podsMonitor).delete();
      client.resources(ClusterTrafficMonitor.class).withName(uplinksMonitor).delete();
    }
  }

  /** A ClusterTrafficMonitor's spec covering this test's two nodes, collecting every 200 ms. */
  static TrafficMonitorSpec clusterSpec(int id) {
    TrafficMonitorSpec spec = new TrafficMonitorSpec();
    spec.setNodeSelector(Map.of("trafficmonitor.io/test", "tmt" + id));
    spec.setInterval("200ms");
    return spec;
  }

  static void createClusterMonitor(String name, TrafficMonitorSpec spec) {
    ClusterTrafficMonitor tm = new ClusterTrafficMonitor();
    tm.getMetadata().setName(name);
    tm.setSpec(spec);
    client.resource(tm).create();
  }

  static Optional<NodeStatus> status(String monitorName, TestNode n) {
    ClusterTrafficMonitor tm =
        client.resources(ClusterTrafficMonitor.class).withName(monitorName).get();
    if (tm == null || tm.getStatus() == null || tm.getStatus().getNodes() == null) {
      return Optional.empty();
    }
    return tm.getStatus().getNodes().stream().filter(s -> s.getNode().equals(n.name)).findFirst();
  }

  @Test
  @Order(1)
  void eachAgentReportsItsOwnNodeExactly() throws Exception {
    for (TestNode n : nodes) {
      Wait.until(
          n.name + " attached",
          Duration.ofSeconds(30),
          () ->
              status(podsMonitor, n).filter(s -> s.getPods() == 1).isPresent()
                  && status(uplinksMonitor, n).filter(s -> s.getInterfaces() == 1).isPresent());
    }
    int count = 40;
    int size = 500;
    long bytes = (long) count * (size + HEADERS);
    sender.sendUdp(receiver, 7400, 7401, count, size);

    // node 0: the sender's cgroup egress and the uplink's egress; node 1: both ingress. Each
    // monitor counts every datagram once: the pods' at the sockets, the uplinks' at the interface.
    for (String monitor : List.of(podsMonitor, uplinksMonitor)) {
      NodeStatus s0 =
          Wait.until(
              monitor + ": node 0 counted",
              Duration.ofSeconds(20),
              () -> status(monitor, nodes.get(0)).filter(s -> s.getTxPackets() >= count));
      NodeStatus s1 =
          Wait.until(
              monitor + ": node 1 counted",
              Duration.ofSeconds(20),
              () -> status(monitor, nodes.get(1)).filter(s -> s.getRxPackets() >= count));
      assertThat(s0.getTxPackets()).as(monitor).isEqualTo(count);
      assertThat(s0.getTxBytes()).as(monitor).isEqualTo(bytes);
      assertThat(s0.getRxPackets()).as(monitor).isZero();
      assertThat(s1.getRxPackets()).as(monitor).isEqualTo(count);
      assertThat(s1.getRxBytes()).as(monitor).isEqualTo(bytes);
      assertThat(s1.getTxPackets()).as(monitor).isZero();
      assertThat(s0.getErrors()).isEmpty();
      assertThat(s1.getErrors()).isEmpty();
    }

    String m0 = registries.get(0).scrape();
    String m1 = registries.get(1).scrape();
    // a ClusterTrafficMonitor's series: an empty monitor_namespace
    Map<String, String> monitor = Map.of("monitor_namespace", "", "monitor", podsMonitor);
    Map<String, String> uplinks = Map.of("monitor_namespace", "", "monitor", uplinksMonitor);
    assertThat(
            Scrape.sum(
                m0,
                "trafficmonitor_pod_bytes_total",
                with(monitor, "pod_namespace", ns1, "pod_name", "sender", "direction", "egress")))
        .isEqualTo(bytes);
    assertThat(
            Scrape.sum(
                m0,
                "trafficmonitor_interface_packets_total",
                with(
                    uplinks,
                    "interface",
                    nodes.get(0).uplink(),
                    "direction",
                    "egress",
                    "protocol",
                    "UDP")))
        .isEqualTo(count);
    assertThat(
            Scrape.sum(
                m1,
                "trafficmonitor_pod_bytes_total",
                with(
                    monitor, "pod_namespace", ns2, "pod_name", "receiver", "direction", "ingress")))
        .isEqualTo(bytes);
    assertThat(
            Scrape.sum(
                m1,
                "trafficmonitor_interface_packets_total",
                with(
                    uplinks,
                    "interface",
                    nodes.get(1).uplink(),
                    "direction",
                    "ingress",
                    "protocol",
                    "UDP")))
        .isEqualTo(count);
    // neither monitor has the other's series
    assertThat(Scrape.has(m0, "trafficmonitor_interface_packets_total", monitor)).isFalse();
    assertThat(Scrape.has(m1, "trafficmonitor_pod_packets_total", uplinks)).isFalse();
    // each agent exports only its own node's targets
    assertThat(Scrape.has(m0, "trafficmonitor_pod_bytes_total", Map.of("pod_name", "receiver")))
        .isFalse();
    assertThat(Scrape.has(m1, "trafficmonitor_pod_bytes_total", Map.of("pod_name", "sender")))
        .isFalse();
  }

  /**
   * spec.interfaceIngressHook XDP: the agent moves the uplinks' ingress to native XDP (veth has
   * it), says so per interface in its entry, and counts the same: the receiving node's uplink
   * ingress grows by exactly what was sent, in status and metrics.
   */
  @Test
  @Order(2)
  void xdpCountsTheUplinksIngressExactlyAndTheEntrySaysSo() throws Exception {
    client
        .resources(ClusterTrafficMonitor.class)
        .withName(uplinksMonitor)
        .edit(
            tm -> {
              tm.getSpec().setInterfaceIngressHook(IngressHook.XDP);
              return tm;
            });
    TestNode n1 = nodes.get(1);
    NodeStatus before =
        Wait.until(
            "node 1's uplink counted by native XDP",
            Duration.ofSeconds(30),
            () ->
                status(uplinksMonitor, n1)
                    .filter(
                        s ->
                            s.getIngressHooks() != null
                                && s.getIngressHooks().stream()
                                    .anyMatch(
                                        h ->
                                            h.getName().equals(n1.uplink())
                                                && "XDP (native)".equals(h.getIngressHook()))));
    assertThat(before.getErrors()).isEmpty();
    String m1 = registries.get(1).scrape();
    Map<String, String> uplinkIn =
        with(
            Map.of("monitor_namespace", "", "monitor", uplinksMonitor),
            "interface",
            n1.uplink(),
            "direction",
            "ingress",
            "protocol",
            "UDP");
    double packets0 = Scrape.sum(m1, "trafficmonitor_interface_packets_total", uplinkIn);
    double bytes0 = Scrape.sum(m1, "trafficmonitor_interface_bytes_total", uplinkIn);
    long rx0 = before.getRxPackets();
    int count = 30;
    int size = 400;
    sender.sendUdp(receiver, 7410, 7411, count, size);
    NodeStatus after =
        Wait.until(
            "node 1 counted",
            Duration.ofSeconds(20),
            () -> status(uplinksMonitor, n1).filter(s -> s.getRxPackets() >= rx0 + count));
    assertThat(after.getRxPackets() - rx0).as("the uplink's ingress").isEqualTo(count);
    String m1after = registries.get(1).scrape();
    assertThat(Scrape.sum(m1after, "trafficmonitor_interface_packets_total", uplinkIn) - packets0)
        .isEqualTo(count);
    assertThat(Scrape.sum(m1after, "trafficmonitor_interface_bytes_total", uplinkIn) - bytes0)
        .isEqualTo((double) count * (size + HEADERS));
  }

  /** {@code labels} and more. */
  static Map<String, String> with(Map<String, String> labels, String... more) {
    Map<String, String> out = new HashMap<>(labels);
    for (int i = 0; i < more.length; i += 2) {
      out.put(more[i], more[i + 1]);
    }
    return out;
  }
}
