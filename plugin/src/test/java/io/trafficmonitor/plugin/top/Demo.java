package io.trafficmonitor.plugin.top;

import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.SequenceStatus;
import io.trafficmonitor.api.v1alpha1.Summary;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import java.time.Instant;
import java.util.List;

/**
 * A monitor with realistic figures, for the tests of top and the screen in docs/plugin.md: shop/web
 * at a 10 ms interval on two nodes, its status written every 5 s.
 */
final class Demo {

  private Demo() {}

  /** The monitor, its newest status entry written at {@code written}. */
  static TrafficMonitor monitor(Instant written) {
    TrafficMonitor m = new TrafficMonitor();
    m.getMetadata().setName("web");
    m.getMetadata().setNamespace("shop");
    TrafficMonitorSpec spec = new TrafficMonitorSpec();
    spec.setInterval("10ms");
    spec.setStatusInterval("5s");
    m.setSpec(spec);
    TrafficMonitorStatus status = new TrafficMonitorStatus();
    NodeStatus a = new NodeStatus();
    a.setNode("node-a");
    a.setLastUpdate(written.minusSeconds(2).toString());
    NodeStatus b = new NodeStatus();
    b.setNode("node-b");
    b.setLastUpdate(written.toString());
    status.setNodes(List.of(a, b));
    Summary s = new Summary();
    s.setRetransmits(341L);
    s.setDrops(17L);
    s.setConnectionsOpen(42L);
    s.setActiveFlows(1_284L);
    SequenceStatus seq = new SequenceStatus();
    seq.setReceived(1_000_000L);
    seq.setLost(12L);
    s.setSequence(seq);
    s.setTopFlows(
        List.of(
            flow(
                "10.244.1.12",
                43122,
                "10.244.2.7",
                8080,
                "TCP",
                "HTTP",
                "shop/frontend-7d9f8-x2kq9",
                412_000_000L,
                12L),
            flow(
                "10.244.2.7",
                8080,
                "10.244.1.12",
                43122,
                "TCP",
                "HTTP",
                "shop/cart-5c6b7-m4n8p",
                96_300_000L,
                0L),
            flow(
                "10.244.2.9",
                51712,
                "10.244.1.30",
                6379,
                "TCP",
                null,
                "shop/redis-0",
                18_200_000L,
                3L),
            flow(
                "10.244.1.12",
                37001,
                "10.96.0.10",
                53,
                "UDP",
                "DNS",
                "shop/frontend-7d9f8-x2kq9",
                81_000L,
                null)));
    status.setSummary(s);
    m.setStatus(status);
    return m;
  }

  private static Flow flow(
      String src,
      int sport,
      String dst,
      int dport,
      String proto,
      String app,
      String pod,
      long bps,
      Long retransmits) {
    Flow f = new Flow();
    f.setSource(src);
    f.setSourcePort(sport);
    f.setDestination(dst);
    f.setDestinationPort(dport);
    f.setProtocol(proto);
    f.setApplication(app);
    f.setPod(pod);
    f.setBitsPerSecond(bps);
    f.setRetransmits(retransmits);
    return f;
  }
}
