package io.trafficmonitor.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.agent.Scrape;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.FakeFlows;
import io.trafficmonitor.agent.collect.MonitorView;
import io.trafficmonitor.agent.collect.Routing;
import io.trafficmonitor.agent.collect.Series;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.datapath.flow.TargetKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final AgentMetrics metrics = new AgentMetrics(registry, "shop", "web");

  @Test
  void seriesCarryBoundedLabelsAndDisappearWithTheirTarget() {
    Target pod = Target.podCgroup("shop", "a");
    FakeFlows kernel = new FakeFlows();
    kernel.put(
        FakeFlows.key("10.0.0.1", 1, "10.0.0.2", 80, 6, TargetKind.CGROUP, 5, Direction.EGRESS),
        1500,
        1,
        1);
    Collector c = new Collector(metrics, 1_000_000_000L);
    c.collect(kernel, new TargetIndex(Map.of(5L, pod), Map.of()), 2, Long.MAX_VALUE);
    String m = registry.scrape();
    Map<String, String> labels =
        Map.of(
            "monitor_namespace", "shop",
            "monitor", "web",
            "pod_namespace", "shop",
            "pod_name", "a",
            "direction", "egress",
            "protocol", "TCP");
    assertThat(Scrape.sum(m, "trafficmonitor_pod_bytes_total", labels)).isEqualTo(1500);
    assertThat(Scrape.sum(m, "trafficmonitor_pod_packets_total", labels)).isEqualTo(1);
    assertThat(m).contains("trafficmonitor_pod_bits_per_second{");
    c.forget(t -> t.equals(pod), kernel);
    m = registry.scrape();
    assertThat(m).doesNotContain("pod_name=\"a\"");
    assertThat(m).contains("trafficmonitor_map_fullness_ratio ");
  }

  @Test
  void closingAMonitorsMetricsRemovesOnlyItsSeries() {
    NodeMetrics node = new NodeMetrics(new SimpleMeterRegistry());
    AgentMetrics web = new AgentMetrics(node, "shop", "web");
    AgentMetrics db = new AgentMetrics(node, "shop", "db");
    Collector c = new Collector(1_000_000_000L);
    MonitorView w = new MonitorView(c, web);
    MonitorView d = new MonitorView(c, db);
    Target pod = Target.podCgroup("shop", "a");
    TargetIndex index = new TargetIndex(Map.of(5L, pod), Map.of());
    Routing routing =
        new Routing(
            index,
            Map.of(
                pod,
                List.of(
                    new Routing.Subscription(w, List.of(), true, true),
                    new Routing.Subscription(d, List.of(), true, true))));
    FakeFlows kernel = new FakeFlows();
    kernel.put(
        FakeFlows.key("10.0.0.1", 1, "10.0.0.2", 80, 6, TargetKind.CGROUP, 5, Direction.EGRESS),
        1500,
        1,
        1);
    c.collect(kernel, routing, 2, Long.MAX_VALUE);
    web.close();
    assertThat(node.registry().find("trafficmonitor.pod.bytes").tag("monitor", "web").meters())
        .isEmpty();
    assertThat(node.registry().find("trafficmonitor.pods.monitored").meters())
        .singleElement()
        .satisfies(g -> assertThat(g.getId().getTag("monitor")).isEqualTo("db"));
    assertThat(node.registry().find("trafficmonitor.pod.bytes").tag("monitor", "db").meters())
        .hasSize(1);
    assertThat(node.registry().find("trafficmonitor.map.fullness.ratio").meters()).hasSize(1);
  }

  @Test
  void aMonitorStoppedWhileACollectionStillRoutesToItExportsNothingAgain() {
    // the agent stops serving a monitor while a collection may run with the routing made before
    PrometheusMeterRegistry reg = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    NodeMetrics node = new NodeMetrics(reg);
    AgentMetrics first = new AgentMetrics(node, "shop", "port");
    Collector c = new Collector(1_000_000_000L);
    MonitorView old = new MonitorView(c, first);
    Target pod = Target.podCgroup("shop", "a");
    TargetIndex index = new TargetIndex(Map.of(5L, pod), Map.of());
    Routing before = Routing.all(index, old);
    FakeFlows kernel = new FakeFlows();
    var key =
        FakeFlows.key("10.0.0.1", 1, "10.0.0.2", 80, 6, TargetKind.CGROUP, 5, Direction.EGRESS);
    kernel.put(key, 1500, 1, 1);
    c.collect(kernel, before, 2, Long.MAX_VALUE);
    c.close(old);
    first.close();
    kernel.put( // a new flow, routed under the routing made before the monitor stopped
        FakeFlows.key("10.0.0.1", 2, "10.0.0.2", 80, 6, TargetKind.CGROUP, 5, Direction.EGRESS),
        1500,
        1,
        3);
    c.collect(kernel, before, 4, Long.MAX_VALUE);
    assertThat(old.series()).as("a closed view binds nothing").isEmpty();
    first.seriesAdded(new Series(new Series.Key(pod, "egress", "TCP")));
    assertThat(reg.scrape()).doesNotContain("monitor=\"port\"");

    // a monitor made again under the same name: its series come back, once, and scrapes work
    AgentMetrics again = new AgentMetrics(node, "shop", "port");
    Routing after = Routing.all(index, new MonitorView(c, again));
    c.collect(kernel, after, 5, Long.MAX_VALUE);
    kernel.add(key, 1500, 1, 6);
    c.collect(kernel, after, 7, Long.MAX_VALUE);
    String m = reg.scrape();
    assertThat(Scrape.sum(m, "trafficmonitor_pod_packets_total", Map.of("monitor", "port")))
        .isEqualTo(1);
    assertThat(m).contains("trafficmonitor_pod_packet_size_bytes_bucket{");
  }

  @Test
  void eachTargetKindCountsInItsOwnFamilies() {
    Target pod = Target.podCgroup("shop", "a");
    Target veth = Target.podVeth("shop", "a", "veth1");
    Target eth0 = Target.nodeInterface("eth0");
    FakeFlows kernel = new FakeFlows();
    kernel.put(
        FakeFlows.key("10.0.0.1", 1, "10.0.0.2", 53, 17, TargetKind.CGROUP, 5, Direction.EGRESS),
        100,
        1,
        1);
    kernel.put( // the veth's host-side ingress is the pod's egress
        FakeFlows.key("10.0.0.1", 1, "10.0.0.2", 53, 17, TargetKind.TC, 7, Direction.INGRESS),
        200,
        2,
        1);
    kernel.put(
        FakeFlows.key("10.0.0.1", 1, "10.0.0.2", 53, 17, TargetKind.TC, 2, Direction.EGRESS),
        300,
        3,
        1);
    Collector c = new Collector(metrics, 1_000_000_000L);
    c.collect(
        kernel, new TargetIndex(Map.of(5L, pod), Map.of(7, veth, 2, eth0)), 2, Long.MAX_VALUE);
    String m = registry.scrape();
    Map<String, String> podA =
        Map.of("monitor_namespace", "shop", "pod_namespace", "shop", "pod_name", "a");
    assertThat(Scrape.sum(m, "trafficmonitor_pod_bytes_total", podA)).isEqualTo(100);
    assertThat(Scrape.sum(m, "trafficmonitor_pod_link_bytes_total", podA)).isEqualTo(200);
    assertThat(
            Scrape.sum(m, "trafficmonitor_pod_link_packets_total", Map.of("direction", "egress")))
        .isEqualTo(2);
    assertThat(
            Scrape.sum(
                m,
                "trafficmonitor_interface_bytes_total",
                Map.of("monitor_namespace", "shop", "interface", "eth0", "direction", "egress")))
        .isEqualTo(300);
    assertThat(m).contains("trafficmonitor_pod_link_packet_size_bytes_bucket{");
    assertThat(m).contains("trafficmonitor_interface_bits_per_second{");
    assertThat(m).doesNotContain("veth1").doesNotContain("cgroup");
  }

  @Test
  void aClusterMonitorAndATrafficMonitorOfTheSameNameAreDifferentSeries() {
    PrometheusMeterRegistry reg = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    NodeMetrics node = new NodeMetrics(reg);
    AgentMetrics namespaced = new AgentMetrics(node, "shop", "web");
    AgentMetrics cluster = new AgentMetrics(node, "", "web"); // what a ClusterTrafficMonitor gets
    Target pod = Target.podCgroup("shop", "a");
    namespaced.seriesAdded(new Series(new Series.Key(pod, "egress", "TCP")));
    cluster.seriesAdded(new Series(new Series.Key(pod, "egress", "TCP")));
    String m = reg.scrape();
    String name = "trafficmonitor_pod_packets_total";
    assertThat(Scrape.has(m, name, Map.of("monitor_namespace", "shop", "monitor", "web"))).isTrue();
    assertThat(Scrape.has(m, name, Map.of("monitor_namespace", "", "monitor", "web"))).isTrue();
    assertThat(
            Scrape.sum(m, "trafficmonitor_pod_packet_size_bytes_count", Map.of("monitor", "web")))
        .as("a histogram series of each")
        .isZero();
    assertThat(m.lines().filter(l -> l.startsWith("trafficmonitor_pod_packet_size_bytes_count{")))
        .hasSize(2);
    cluster.close();
    assertThat(Scrape.has(reg.scrape(), name, Map.of("monitor_namespace", ""))).isFalse();
    assertThat(Scrape.has(reg.scrape(), name, Map.of("monitor_namespace", "shop"))).isTrue();
  }
}
