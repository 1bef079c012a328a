package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.agent.target.CgroupLayout;
import io.trafficmonitor.api.v1alpha1.Filter;
import io.trafficmonitor.api.v1alpha1.FlowSettings;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.Protocol;
import io.trafficmonitor.api.v1alpha1.Sequence;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One node (a network namespace), two pods behind veths with kubelet-layout cgroups, a real API
 * server, and the agent's core driven in-process: traffic of known size shows up exactly in the
 * node's status entry and in the metrics; a spec filter change narrows the counts without a
 * restart; an unresolvable pod is reported and retried; a deleted pod is detached and its series
 * dropped; deleting the monitor detaches everything; closing the agent frees its programs.
 *
 * <p>Byte counts are L3 (IP header included): a UDP datagram of P payload bytes counts P + 28.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeAgentIT {
  static final int UDP_IPV4_HEADERS = 28;

  @RegisterExtension static final AgentOnTestNode site = new AgentOnTestNode("tm-agent-", "tmag");

  static TestNode.TestPod a;
  static TestNode.TestPod b;
  static PrometheusMeterRegistry registry;
  static Agent agent;

  @BeforeAll
  static void setUp() throws Exception {
    a = site.addPod("a", 2, "web");
    b = site.addPod("b", 3, "web");
    site.client().resource(monitor()).create();

    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    agent = site.startAgent(registry);
  }

  static TrafficMonitor monitor() {
    TrafficMonitor tm = Cluster.monitor(site.namespace(), "web", "web", "100ms");
    FlowSettings flows = new FlowSettings();
    flows.setTopN(5);
    tm.getSpec().setFlows(flows);
    return tm;
  }

  /**
   * Edits the monitor's spec, again on a conflict: the agent writes the status (and so a new
   * resourceVersion) every second, which an edit read a moment before may race with.
   */
  static void editMonitor(UnaryOperator<TrafficMonitor> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        site.client()
            .resources(TrafficMonitor.class)
            .inNamespace(site.namespace())
            .withName("web")
            .edit(change);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  static Optional<NodeStatus> status() {
    return site.status("web");
  }

  /** The labels of pod p's UDP series of monitor web, in one direction (any family). */
  static Map<String, String> podLabels(TestNode.TestPod p, String direction) {
    return Map.of(
        "monitor_namespace",
        site.namespace(),
        "monitor",
        "web",
        "pod_namespace",
        site.namespace(),
        "pod_name",
        p.name,
        "direction",
        direction,
        "protocol",
        "UDP");
  }

  /** Whether pod p has a series of the measure at its sockets or at its veth. */
  static boolean hasSeriesOf(String pod, String measure) {
    String m = registry.scrape();
    Map<String, String> labels = Map.of("pod_namespace", site.namespace(), "pod_name", pod);
    return Scrape.has(m, "trafficmonitor_pod_" + measure, labels)
        || Scrape.has(m, "trafficmonitor_pod_link_" + measure, labels);
  }

  @Test
  @Order(1)
  void trafficBetweenPodsShowsUpExactlyInStatusAndMetrics() throws Exception {
    Wait.until(
        "both pods attached",
        Duration.ofSeconds(30),
        () -> status().map(s -> s.getPods() != null && s.getPods() == 2).orElse(false));
    assertThat(Cgroups.attachedPrograms(a.cgroup)).contains("tm_cg_ingress", "tm_cg_egress");
    long self = ProcessHandle.current().pid();
    assertThat(Cgroups.tcxLinks(self, Cgroups.ifindex(site.node(), a.veth)))
        .extracting(BpfFds.Link::attachType)
        .containsExactlyInAnyOrder("46 (ingress)", "47 (egress)");

    int count = 50;
    int size = 300;
    a.sendUdp(b, 7100, 7001, count, size);
    long bytes = (long) count * (size + UDP_IPV4_HEADERS);

    NodeStatus st =
        Wait.until(
            "status with the traffic",
            Duration.ofSeconds(20),
            () -> status().filter(s -> s.getTxPackets() != null && s.getTxPackets() >= count));
    assertThat(st.getTxPackets()).isEqualTo(count);
    assertThat(st.getRxPackets()).isEqualTo(count);
    assertThat(st.getTxBytes()).isEqualTo(bytes);
    assertThat(st.getRxBytes()).isEqualTo(bytes);
    assertThat(st.getErrors()).isEmpty();
    assertThat(st.getInterfaces()).isZero();
    assertThat(st.getTopFlows())
        .anySatisfy(
            f -> {
              assertThat(f.getSource()).isEqualTo(a.ip);
              assertThat(f.getDestination()).isEqualTo(b.ip);
              assertThat(f.getSourcePort()).isEqualTo(7100);
              assertThat(f.getDestinationPort()).isEqualTo(7001);
              assertThat(f.getProtocol()).isEqualTo("UDP");
              assertThat(f.getPackets()).isEqualTo(count);
              assertThat(f.getBytes()).isEqualTo(bytes);
            });

    String m = registry.scrape();
    assertThat(Scrape.sum(m, "trafficmonitor_pod_packets_total", podLabels(a, "egress")))
        .isEqualTo(count);
    assertThat(Scrape.sum(m, "trafficmonitor_pod_bytes_total", podLabels(a, "egress")))
        .isEqualTo(bytes);
    assertThat(Scrape.sum(m, "trafficmonitor_pod_packets_total", podLabels(b, "ingress")))
        .isEqualTo(count);
    assertThat(Scrape.sum(m, "trafficmonitor_pod_bytes_total", podLabels(b, "ingress")))
        .isEqualTo(bytes);
    // the veths see the same packets at L2, from the pods' point of view
    assertThat(Scrape.sum(m, "trafficmonitor_pod_link_packets_total", podLabels(a, "egress")))
        .isEqualTo(count);
    assertThat(Scrape.sum(m, "trafficmonitor_pod_link_bytes_total", podLabels(b, "ingress")))
        .isEqualTo(bytes);
    assertThat(m).contains("trafficmonitor_collection_duration_seconds_count");
    assertThat(m).contains("trafficmonitor_map_fullness_ratio");
  }

  @Test
  @Order(2)
  void sequenceLossGoodputAndJitterShowUpInStatusAndMetrics() throws Exception {
    editMonitor(
        tm -> {
          Sequence q = new Sequence();
          q.setProtocol(Protocol.UDP);
          q.setGapThreshold(3);
          tm.getSpec().setSequence(q);
          tm.getSpec().getFlows().setJitter(true);
          return tm;
        });
    Wait.until(
        "sequence numbers configured",
        Duration.ofSeconds(20),
        () -> agent.settings() != null && agent.settings().sequence() != null);
    agent.reconcileNow();
    // numbers 0..99: 5 is missing (a small gap), 30..39 too (a big gap: 10 > 3)
    a.sendUdp(b, 7200, 7003, 89, 64, "5,30,31,32,33,34,35,36,37,38,39");
    NodeStatus st =
        Wait.until(
            "status with sequence figures",
            Duration.ofSeconds(20),
            () ->
                status()
                    .filter(s -> s.getSequence() != null && s.getSequence().getReceived() >= 89));
    // counted where packets arrive (pod b's cgroup), not again where they leave (pod a's)
    assertThat(st.getSequence().getReceived()).isEqualTo(89);
    assertThat(st.getSequence().getLost()).isEqualTo(11);
    assertThat(st.getSequence().getSmallGaps()).isEqualTo(1);
    assertThat(st.getSequence().getBigGaps()).isEqualTo(1);
    assertThat(st.getSequence().getReverse()).isZero();
    assertThat(st.getRxPayloadBytes()).isEqualTo(st.getTxPayloadBytes());
    assertThat(st.getTopFlows())
        .anySatisfy(
            f -> {
              assertThat(f.getDestinationPort()).isEqualTo(7003);
              assertThat(f.getPayloadBytes()).isEqualTo(89L * 64);
              assertThat(f.getMeanInterArrivalMicros()).isPositive();
              assertThat(f.getJitterMicros()).isNotNull();
            });
    String m = registry.scrape();
    Map<String, String> in = podLabels(b, "ingress");
    assertThat(Scrape.sum(m, "trafficmonitor_pod_sequence_received_packets_total", in))
        .isEqualTo(89);
    assertThat(Scrape.sum(m, "trafficmonitor_pod_sequence_lost_packets_total", in)).isEqualTo(11);
    assertThat(
            Scrape.has(
                m, "trafficmonitor_pod_sequence_received_packets_total", podLabels(a, "egress")))
        .isFalse();
    // goodput and packet sizes of the earlier 50 x 300-byte datagrams and these 89 x 64
    assertThat(Scrape.sum(m, "trafficmonitor_pod_payload_bytes_total", in))
        .isEqualTo(50 * 300 + 89 * 64);
    assertThat(Scrape.sum(m, "trafficmonitor_pod_packet_size_bytes_count", in)).isEqualTo(50 + 89);
    Map<String, String> le64 = new HashMap<>(in);
    le64.put("le", "64.0");
    Map<String, String> le128 = new HashMap<>(in);
    le128.put("le", "128.0");
    // 64 + 28 = 92-byte packets fall in [64, 128); 328-byte ones above
    assertThat(Scrape.sum(m, "trafficmonitor_pod_packet_size_bytes_bucket", le64)).isZero();
    assertThat(Scrape.sum(m, "trafficmonitor_pod_packet_size_bytes_bucket", le128)).isEqualTo(89);
  }

  @Test
  @Order(3)
  void tcpConnectionsRttAndDurationsShowUpPerPod() throws Exception {
    NodeStatus before = agent.writeStatusNow();
    long opened0 = before.getConnectionsOpened() == null ? 0 : before.getConnectionsOpened();
    long closed0 = before.getConnectionsClosed() == null ? 0 : before.getConnectionsClosed();
    agent.writeStatusNow(); // the next interval starts now
    int n = 10;
    long read = a.tcpConnections(b, 7300, n, 20_000, 50);
    assertThat(read).isEqualTo(n * 20_000L);
    agent.collectNow();
    NodeStatus st = agent.writeStatusNow();
    // both ends are monitored pods of this node: n active opens (a) and n passive ones (b)
    assertThat(st.getConnectionsOpened() - opened0).isEqualTo(2L * n);
    assertThat(st.getConnectionsClosed() - closed0).isEqualTo(2L * n);
    assertThat(st.getConnectionsOpen()).isZero();
    assertThat(st.getConnectionMeanDurationMillis()).isBetween(45L, 500L);
    assertThat(st.getRttMicros()).isPositive();
    assertThat(st.getRetransmits()).isZero();
    assertThat(st.getErrors()).isEmpty();
    String m = registry.scrape();
    Map<String, String> podA = Map.of("pod_name", "a", "pod_namespace", site.namespace());
    assertThat(Scrape.sum(m, "trafficmonitor_tcp_connections_opened_total", podA)).isEqualTo(n);
    assertThat(Scrape.sum(m, "trafficmonitor_tcp_connections_closed_total", podA)).isEqualTo(n);
    assertThat(Scrape.sum(m, "trafficmonitor_tcp_connection_duration_seconds_count", podA))
        .isEqualTo(n);
    assertThat(Scrape.sum(m, "trafficmonitor_tcp_rtt_seconds_count", podA)).isPositive();
    // every connection is one flow each way at a's sockets: its SYN and its FIN, once per flow
    Map<String, String> synOut = new HashMap<>(podA);
    synOut.put("direction", "egress");
    synOut.put("flag", "SYN");
    assertThat(Scrape.sum(m, "trafficmonitor_pod_tcp_flag_flows_total", synOut)).isEqualTo(n);
    Map<String, String> finOut = new HashMap<>(synOut);
    finOut.put("flag", "FIN");
    assertThat(Scrape.sum(m, "trafficmonitor_pod_tcp_flag_flows_total", finOut)).isEqualTo(n);
    assertThat(Scrape.has(m, "trafficmonitor_tcp_retransmits_total", podA)).isTrue();
    // at least SYN_SENT, ESTABLISHED and CLOSE for each of the client's connections
    assertThat(Scrape.sum(m, "trafficmonitor_tcp_state_changes_total", podA))
        .isGreaterThanOrEqualTo(3.0 * n);
  }

  @Test
  @Order(3)
  void datagramsToAClosedPortOfAPodCountAsThatPodsDrops() throws Exception {
    agent.collectNow();
    String m0 = registry.scrape();
    Map<String, String> bNoSocket = Map.of("pod_name", "b", "reason", "NO_SOCKET");
    double before = Scrape.sum(m0, "trafficmonitor_pod_drops_total", bNoSocket);
    int n = 25;
    // nothing listens on b:7399: b's namespace drops each datagram without a socket
    Process send = a.start("send", a.ip, "7398", b.ip, "7399", Integer.toString(n), "32", "");
    assertThat(send.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(send.exitValue()).isZero();
    agent.collectNow();
    NodeStatus st = agent.writeStatusNow();
    String m = registry.scrape();
    assertThat(Scrape.sum(m, "trafficmonitor_pod_drops_total", bNoSocket) - before).isEqualTo(n);
    assertThat(st.getDropReasons())
        .anySatisfy(
            r -> {
              assertThat(r.getReason()).isEqualTo("NO_SOCKET");
              assertThat(r.getPackets()).isGreaterThanOrEqualTo(n);
            });
  }

  @Test
  @Order(4)
  void aSpecFilterChangeNarrowsTheCountsWithoutRestart() throws Exception {
    Filter only7002 = new Filter();
    only7002.setDestinationPort("7002");
    only7002.setProtocols(List.of(Protocol.UDP));
    editMonitor(
        tm -> {
          tm.getSpec().setFilters(List.of(only7002));
          return tm;
        });
    Wait.until(
        "the filter applied",
        Duration.ofSeconds(20),
        () -> agent.settings() != null && !agent.settings().filters().isEmpty());
    agent.reconcileNow(); // the filter is in the kernel once a reconcile with it has finished
    long before = status().orElseThrow().getTxPackets();
    String m0 = registry.scrape();

    a.sendUdp(b, 7101, 7001, 20, 100); // filtered out
    a.sendUdp(b, 7102, 7002, 30, 200); // counted
    long expected = 30L * (200 + UDP_IPV4_HEADERS);
    NodeStatus st =
        Wait.until(
            "status with the filtered traffic",
            Duration.ofSeconds(20),
            () -> status().filter(s -> s.getTxPackets() >= before + 30));
    agent.collectNow();
    assertThat(agent.writeStatusNow().getTxPackets()).isEqualTo(before + 30);
    assertThat(st.getTxPackets()).isEqualTo(before + 30);
    String m = registry.scrape();
    Map<String, String> out = podLabels(a, "egress");
    assertThat(
            Scrape.sum(m, "trafficmonitor_pod_packets_total", out)
                - Scrape.sum(m0, "trafficmonitor_pod_packets_total", out))
        .isEqualTo(30);
    assertThat(
            Scrape.sum(m, "trafficmonitor_pod_bytes_total", out)
                - Scrape.sum(m0, "trafficmonitor_pod_bytes_total", out))
        .isEqualTo(expected);
    // every filtered datagram passes a's cgroup and both veths and b's cgroup: 4 hooks each
    Map<String, String> filtered = Map.of("outcome", "filtered"); // the node's, shared
    assertThat(
            Scrape.sum(m, "trafficmonitor_datapath_packets_total", filtered)
                - Scrape.sum(m0, "trafficmonitor_datapath_packets_total", filtered))
        .isEqualTo(4 * 20);
    assertThat(
            Scrape.sum(m, "trafficmonitor_datapath_packets_total", Map.of("outcome", "accounted")))
        .isPositive();
  }

  @Test
  @Order(5)
  void anUnresolvablePodIsReportedAndRetriedWhileTheOthersKeepWorking() throws Exception {
    String ip = "10.213." + site.node().subnet + ".9";
    Pod c =
        site.client()
            .pods()
            .inNamespace(site.namespace())
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("c")
                    .withLabels(Map.of("app", "web"))
                    .endMetadata()
                    .withNewSpec()
                    .withNodeName(site.node().name)
                    .addNewContainer()
                    .withName("app")
                    .withImage("registry.k8s.io/pause:3.10")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    site.client()
        .pods()
        .inNamespace(site.namespace())
        .withName("c")
        .editStatus(
            p ->
                new PodBuilder(p)
                    .editOrNewStatus()
                    .withPhase("Running")
                    .withPodIP(ip)
                    .endStatus()
                    .build());
    String prefix = "pod " + site.namespace() + "/c: ";
    Path cgroup =
        TestNode.CGROUP_ROOT.resolve(
            CgroupLayout.podDir(
                CgroupLayout.Driver.SYSTEMD, c.getMetadata().getUid(), "BestEffort"));
    try {
      NodeStatus st =
          Wait.until(
              "c's cgroup reported missing",
              Duration.ofSeconds(20),
              () ->
                  status()
                      .filter(
                          s ->
                              s.getErrors().stream()
                                  .anyMatch(e -> e.startsWith(prefix + "cgroup not found"))));
      assertThat(st.getPods()).isEqualTo(2);
      assertThat(st.getErrors()).allMatch(e -> e.startsWith(prefix));

      // the cgroup appears later: the next resync attaches to it; the veth is still missing
      Files.createDirectories(cgroup);
      st =
          Wait.until(
              "c's cgroup attached",
              Duration.ofSeconds(20),
              () -> status().filter(s -> s.getPods() == 3));
      assertThat(st.getErrors())
          .singleElement()
          .asString()
          .startsWith(prefix + "host-side veth not found");
      assertThat(Cgroups.attachedPrograms(cgroup)).contains("tm_cg_ingress", "tm_cg_egress");
    } finally {
      site.client().pods().inNamespace(site.namespace()).withName("c").withGracePeriod(0).delete();
      Wait.until(
          "c forgotten",
          Duration.ofSeconds(20),
          () -> status().filter(s -> s.getPods() == 2 && s.getErrors().isEmpty()));
      Files.deleteIfExists(cgroup);
    }
  }

  @Test
  @Order(6)
  void aDeletedPodIsDetachedAndItsSeriesDisappear() throws Exception {
    assertThat(hasSeriesOf("b", "bytes_total")).isTrue();
    long vethB = Cgroups.ifindex(site.node(), b.veth);
    assertThat(Cgroups.tcxLinks(ProcessHandle.current().pid(), vethB)).hasSize(2);
    site.client().pods().inNamespace(site.namespace()).withName("b").withGracePeriod(0).delete();
    Wait.until(
        "b detached",
        Duration.ofSeconds(20),
        () ->
            Cgroups.attachedPrograms(b.cgroup).isEmpty()
                && Cgroups.tcxLinks(ProcessHandle.current().pid(), vethB).isEmpty());
    Wait.until(
        "b's series dropped", Duration.ofSeconds(10), () -> !hasSeriesOf("b", "bytes_total"));
    assertThat(hasSeriesOf("b", "bits_per_second")).isFalse();
    NodeStatus st =
        Wait.until(
            "status with one pod",
            Duration.ofSeconds(10),
            () -> status().filter(s -> s.getPods() == 1));
    assertThat(st.getErrors()).isEmpty();
    assertThat(Cgroups.attachedPrograms(a.cgroup)).contains("tm_cg_egress");
    site.node().removePod(b);
  }

  @Test
  @Order(7)
  void deletingTheMonitorDetachesEverythingAndDropsTheSeries() {
    long self = ProcessHandle.current().pid();
    assertThat(BpfFds.links(self)).isNotEmpty();
    site.client()
        .resources(TrafficMonitor.class)
        .inNamespace(site.namespace())
        .withName("web")
        .delete();
    Wait.until(
        "everything detached",
        Duration.ofSeconds(20),
        () -> BpfFds.links(self).isEmpty() && Cgroups.attachedPrograms(a.cgroup).isEmpty());
    Wait.until(
        "a's series dropped", Duration.ofSeconds(10), () -> !hasSeriesOf("a", "bytes_total"));
    assertThat(agent.served()).isEmpty();
    assertThat(agent.isReady()).as("serving no monitor, with nothing to attach").isTrue();
  }

  @Test
  @Order(8)
  void closingTheAgentLeavesNothingAttached() throws Exception {
    long self = ProcessHandle.current().pid();
    Set<Long> programs = BpfFds.programIds(self);
    assertThat(programs).as("programs stay loaded until the agent stops").isNotEmpty();
    site.stop(agent);
    assertThat(Cgroups.attachedPrograms(a.cgroup)).isEmpty();
    assertThat(BpfFds.links(self)).isEmpty();
    Wait.until(
        "the agent's programs freed",
        Duration.ofSeconds(10),
        () -> BpfFds.loadedProgramIds().stream().noneMatch(programs::contains));
  }
}
