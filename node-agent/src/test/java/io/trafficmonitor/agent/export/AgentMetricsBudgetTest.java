package io.trafficmonitor.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.agent.Scrape;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.FakeFlows;
import io.trafficmonitor.agent.collect.RateWindow;
import io.trafficmonitor.agent.collect.Series;
import io.trafficmonitor.agent.collect.TcpCollector;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.datapath.flow.FlowKey;
import io.trafficmonitor.datapath.flow.TargetKind;
import io.trafficmonitor.datapath.tcp.CgroupTcpStats;
import io.trafficmonitor.datapath.tcp.DropKey;
import io.trafficmonitor.datapath.tcp.TcpLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A monitor's series under the node's series budget (docs/metrics.md, "Cardinality budget"). */
class AgentMetricsBudgetTest {
  static final long NODE_NETNS = 4026531840L;
  static final long[] NO_BUCKETS = new long[TcpLayout.HIST_BUCKETS];

  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final Target pod = Target.podCgroup("shop", "a");
  final Target veth = Target.podVeth("shop", "a", "veth1");
  final Target eth0 = Target.nodeInterface("eth0");

  /** One of each series group a pod with TCP both ways and UDP in has at one hook. */
  static List<Series> seriesOf(AgentMetrics m, Target t) {
    List<Series> out = new ArrayList<>();
    for (String[] dp : new String[][] {{"egress", "TCP"}, {"ingress", "TCP"}, {"ingress", "UDP"}}) {
      Series s = new Series(new Series.Key(t, dp[0], dp[1]));
      m.seriesAdded(s);
      out.add(s);
    }
    for (String dir : List.of("egress", "ingress")) {
      m.rateAdded(t, dir, new RateWindow(1_000_000_000L));
    }
    return out;
  }

  /** A pod's TCP figures and one drop reason, through the TCP collector. */
  static void tcpOf(TcpCollector tcp, Target pod, long cgroup) {
    tcp.collect(
        Map.of(
            cgroup, new CgroupTcpStats(1, 0, 1, 200, 1, 0, 1, 5000, 4, 0, NO_BUCKETS, NO_BUCKETS)),
        Map.of(new DropKey(cgroup, 1, 5, "TCP_CSUM"), 2L),
        new TargetIndex(Map.of(cgroup, pod), Map.of()),
        NODE_NETNS);
  }

  @Test
  void thePerHookViewGoesFirstThenWhateverComesLastAndEachRefusalIsCounted() {
    NodeMetrics node = new NodeMetrics(registry, 100);
    SeriesBudget budget = node.budget();
    AgentMetrics web = new AgentMetrics(node, "shop", "web");
    assertThat(budget.used()).as("the monitor's own two gauges").isEqualTo(2);

    seriesOf(web, pod); // 3 x 13 + 2 x 2: 45
    assertThat(budget.used()).isEqualTo(45);
    List<Series> link = seriesOf(web, veth); // 2 x 13 (71), the third over 80, then 2 rates (75)
    assertThat(budget.used()).isEqualTo(75);
    web.sequenceSeen(link.get(2)); // the refused series' sequence figures: refused too
    Series up = new Series(new Series.Key(eth0, "egress", "UDP"));
    web.seriesAdded(up); // 88: above 80, but not a per-hook series
    web.sequenceSeen(up); // 93
    TcpCollector tcp = new TcpCollector(web);
    tcpOf(tcp, pod, 100); // TCP (74) refused, the drop reason (1) admitted
    assertThat(budget.used()).isEqualTo(94);

    String m = registry.scrape();
    assertThat(m)
        .contains("trafficmonitor_pod_link_bytes_total{")
        .contains("trafficmonitor_interface_sequence_received_packets_total{")
        .contains("trafficmonitor_pod_drops_total{")
        .doesNotContain("trafficmonitor_tcp_retransmits_total{")
        .doesNotContain("trafficmonitor_tcp_rtt_seconds_bucket{");
    assertThat(Scrape.has(m, "trafficmonitor_pod_link_bytes_total", Map.of("protocol", "UDP")))
        .isFalse();
    assertThat(Scrape.has(m, "trafficmonitor_pod_link_bytes_total", Map.of("protocol", "TCP")))
        .isTrue();
    assertThat(Scrape.sum(m, "trafficmonitor_pod_link_sequence_received_packets_total", Map.of()))
        .isZero();
    assertThat(Scrape.sum(m, "trafficmonitor_series", Map.of())).isEqualTo(94);
    assertThat(Scrape.sum(m, "trafficmonitor_series_limit", Map.of())).isEqualTo(100);
    assertThat(Scrape.sum(m, "trafficmonitor_series_refused_total", Map.of("kind", "pod_link")))
        .isEqualTo(2);
    assertThat(Scrape.sum(m, "trafficmonitor_series_refused_total", Map.of("kind", "tcp")))
        .isEqualTo(1);
    assertThat(Scrape.sum(m, "trafficmonitor_series_refused_total", Map.of("kind", "pod")))
        .isZero();
    assertThat(samples(m))
        .as("what the scrape has of the monitor is what the budget counts")
        .isEqualTo(budget.used());
  }

  @Test
  void theStatusSaysHowManyGroupsOfWhichKindAreNotExported() {
    NodeMetrics node = new NodeMetrics(registry, 100);
    AgentMetrics web = new AgentMetrics(node, "shop", "web");
    assertThat(web.budgetError()).isNull();
    seriesOf(web, pod);
    web.sequenceSeen(seriesOf(web, veth).get(2));
    tcpOf(new TcpCollector(web), pod, 100);

    assertThat(web.budgetError())
        .isEqualTo(
            "series budget of 100 reached on this node: 3 groups of series of this monitor not"
                + " exported (2 pod_link, 1 tcp; pod_link stops at 80% of it; raise"
                + " agent.maxSeries)");
    AgentMetrics db = new AgentMetrics(node, "shop", "db"); // 76 + 2
    Target b = Target.podCgroup("shop", "b");
    db.seriesAdded(new Series(new Series.Key(b, "egress", "TCP"))); // 91
    Series s = new Series(new Series.Key(b, "ingress", "TCP"));
    db.seriesAdded(s); // 91 + 13 > 100
    assertThat(db.budgetError())
        .as("each monitor reports its own")
        .isEqualTo(
            "series budget of 100 reached on this node: 1 group of series of this monitor not"
                + " exported (1 pod; raise agent.maxSeries)");
    db.seriesRemoved(s);
    assertThat(db.budgetError()).as("a refused group that goes is forgotten").isNull();
  }

  @Test
  void whatGoesGivesItsSamplesBackAndAGroupAnnouncedAgainMayFitThen() {
    NodeMetrics node = new NodeMetrics(registry, 100);
    SeriesBudget budget = node.budget();
    AgentMetrics web = new AgentMetrics(node, "shop", "web");
    AgentMetrics db = new AgentMetrics(node, "shop", "db");
    List<Series> own = seriesOf(web, pod); // 4 + 43
    List<Series> link = seriesOf(web, veth); // 2 x 13 (73), the third refused, rates (77)
    TcpCollector tcp = new TcpCollector(web);
    tcpOf(tcp, pod, 100); // TCP refused, a drop reason (78)
    assertThat(budget.used()).isEqualTo(78);
    Series other = new Series(new Series.Key(Target.podCgroup("shop", "b"), "egress", "TCP"));
    db.seriesAdded(other); // 91
    assertThat(budget.used()).isEqualTo(91);

    // the pod goes from web: its groups, admitted or refused, leave nothing behind
    for (Series s : own) {
      web.seriesRemoved(s);
    }
    for (Series s : link) {
      web.seriesRemoved(s);
    }
    for (Target t : List.of(pod, veth)) {
      web.rateRemoved(t, "egress");
      web.rateRemoved(t, "ingress");
    }
    tcp.forget(t -> t.equals(pod));
    assertThat(budget.used()).isEqualTo(2 + 2 + 13);
    assertThat(web.budgetError()).isNull();

    // announced again (the pod came back): what was refused fits now
    web.seriesAdded(link.get(2));
    assertThat(budget.used()).isEqualTo(2 + 2 + 13 + 13);
    assertThat(
            Scrape.has(
                registry.scrape(),
                "trafficmonitor_pod_link_bytes_total",
                Map.of("protocol", "UDP")))
        .isTrue();

    web.close();
    assertThat(budget.used()).as("only db's").isEqualTo(2 + 13);
    web.close();
    assertThat(budget.used()).as("closing twice gives back nothing more").isEqualTo(2 + 13);
    web.seriesAdded(new Series(new Series.Key(pod, "egress", "TCP")));
    assertThat(budget.used()).as("a late call for a closed monitor").isEqualTo(2 + 13);
    db.close();
    assertThat(budget.used()).isZero();
    assertThat(samples(registry.scrape())).isZero();
  }

  /**
   * The figure of docs/benchmarks/cardinality.md: what a scrape exports for one pod of one monitor,
   * a pod with TCP both ways and UDP in, seen at its cgroup and its veth, with its TCP figures.
   */
  @Test
  void samplesOfOnePodWithTcpBothWaysAndUdpIn() {
    NodeMetrics node = new NodeMetrics(registry);
    AgentMetrics web = new AgentMetrics(node, "shop", "web");
    FakeFlows kernel = new FakeFlows();
    // at the pod's sockets: TCP out and its replies in, UDP in
    kernel.put(flow(6, 80, TargetKind.CGROUP, 5, Direction.EGRESS), 100, 1, 1);
    kernel.put(flow(6, 80, TargetKind.CGROUP, 5, Direction.INGRESS), 100, 1, 1);
    kernel.put(flow(17, 53, TargetKind.CGROUP, 5, Direction.INGRESS), 100, 1, 1);
    // at its veth (host side: ingress is the pod's egress)
    kernel.put(flow(6, 80, TargetKind.TC, 7, Direction.INGRESS), 100, 1, 1);
    kernel.put(flow(6, 80, TargetKind.TC, 7, Direction.EGRESS), 100, 1, 1);
    kernel.put(flow(17, 53, TargetKind.TC, 7, Direction.EGRESS), 100, 1, 1);
    new Collector(web, 1_000_000_000L)
        .collect(kernel, new TargetIndex(Map.of(5L, pod), Map.of(7, veth)), 2, Long.MAX_VALUE);
    TcpCollector tcp = new TcpCollector(web);
    tcp.collect(
        Map.of(5L, new CgroupTcpStats(1, 0, 1, 200, 1, 0, 1, 5000, 4, 0, NO_BUCKETS, NO_BUCKETS)),
        Map.of(),
        new TargetIndex(Map.of(5L, pod), Map.of()),
        NODE_NETNS);

    String m = registry.scrape();
    long cgroup =
        m.lines()
            .filter(
                l ->
                    l.startsWith("trafficmonitor_pod_")
                        && !l.startsWith("trafficmonitor_pod_link_")
                        && l.contains("pod_name=\"a\""))
            .count();
    long link = m.lines().filter(l -> l.startsWith("trafficmonitor_pod_link_")).count();
    long tcpSamples = m.lines().filter(l -> l.startsWith("trafficmonitor_tcp_")).count();
    System.out.printf(
        "samples of one pod (TCP both ways, UDP in) of one monitor: cgroup %d, veth %d, tcp %d,"
            + " total %d; default budget %d%n",
        cgroup, link, tcpSamples, cgroup + link + tcpSamples, node.budget().limit());
    // 3 direction-protocol series, 2 rates, and 3 application series (HTTP out and in, DNS in:
    // ports 80 and 53 have names), at the sockets only
    assertThat(cgroup).isEqualTo(3 * 13 + 2 * 2 + 3 * 2);
    assertThat(link).isEqualTo(3 * 13 + 2 * 2);
    assertThat(tcpSamples).isEqualTo(AgentMetrics.TCP_SAMPLES).isEqualTo(93);
    assertThat(cgroup + link + tcpSamples).isEqualTo(185);
    assertThat(samples(m)).isEqualTo(node.budget().used()).isEqualTo(185 + 2);
  }

  private static FlowKey flow(int protocol, int port, TargetKind kind, long target, Direction dir) {
    return FakeFlows.key("10.0.0.1", 40000, "10.0.0.2", port, protocol, kind, target, dir);
  }

  /** Sample lines of monitor series in a scrape (the node's families have no monitor label). */
  static long samples(String scrape) {
    return scrape.lines().filter(l -> !l.startsWith("#") && l.contains("monitor=\"")).count();
  }
}
