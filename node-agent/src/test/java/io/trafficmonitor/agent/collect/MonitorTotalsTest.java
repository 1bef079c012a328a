package io.trafficmonitor.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.datapath.flow.FlowKey;
import io.trafficmonitor.datapath.flow.TargetKind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A monitor's totals for the agent's summary ({@link MonitorView#totals}): its series added up per
 * pod cgroup and node interface (a pod's veth left out: its cgroup counts the same packets), in all
 * as its status counts, and when they began, carried through a checkpoint.
 */
class MonitorTotalsTest {
  static final long S = 1_000_000_000L;
  static final long IDLE = 30 * S;

  final Target podA = Target.podCgroup("shop", "a");
  final Target podB = Target.podCgroup("shop", "b");
  final Target vethA = Target.podVeth("shop", "a", "veth1");
  final Target eth0 = Target.nodeInterface("eth0");
  final TargetIndex index =
      new TargetIndex(Map.of(100L, podA, 200L, podB), Map.of(7, vethA, 2, eth0));

  static FlowKey udp(int sport, TargetKind kind, long target, Direction dir) {
    return FakeFlows.key("10.1.0.1", sport, "10.1.0.2", 53, 17, kind, target, dir);
  }

  static FlowKey tcp(int sport, TargetKind kind, long target, Direction dir) {
    return FakeFlows.key("10.1.0.1", sport, "10.1.0.2", 80, 6, kind, target, dir);
  }

  @Test
  void perPodAndInterfaceTheSeriesAddedUpAndInAllTheStatusTotals() {
    FakeFlows kernel = new FakeFlows();
    Collector c = new Collector(S);
    MonitorView view = new MonitorView(c, MetricsSink.NONE);
    kernel.put(udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS), 1000, 10, S);
    kernel.put(tcp(1001, TargetKind.CGROUP, 100, Direction.EGRESS), 4000, 4, S); // 2 protocols
    kernel.put(udp(1000, TargetKind.CGROUP, 200, Direction.INGRESS), 1000, 10, S);
    kernel.put(tcp(1002, TargetKind.CGROUP, 100, Direction.INGRESS), 60, 1, S);
    kernel.put(udp(1000, TargetKind.TC, 7, Direction.INGRESS), 1000, 10, S); // a's veth
    kernel.put(udp(1003, TargetKind.TC, 2, Direction.EGRESS), 700, 7, S);
    c.collect(kernel, Routing.all(index, view), S, IDLE);
    kernel.add(udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS), 500, 5, 2 * S);
    c.collect(kernel, Routing.all(index, view), 2 * S, IDLE);

    MonitorView.Totals t = view.totals();
    Map<Target, IntervalRecords.TargetCounts> by =
        t.targets().stream()
            .collect(Collectors.toMap(IntervalRecords.TargetCounts::target, x -> x));
    assertThat(by.keySet()).containsExactlyInAnyOrder(podA, podB, eth0);
    assertThat(by.get(podA)).isEqualTo(new IntervalRecords.TargetCounts(podA, 60, 5500, 1, 19));
    assertThat(by.get(podB)).isEqualTo(new IntervalRecords.TargetCounts(podB, 1000, 0, 10, 0));
    assertThat(by.get(eth0)).isEqualTo(new IntervalRecords.TargetCounts(eth0, 0, 700, 0, 7));
    StatusSnapshot status = view.snapshot(10);
    assertThat(new long[] {t.rxBytes(), t.txBytes(), t.rxPackets(), t.txPackets()})
        .as("in all: what the status counts")
        .containsExactly(status.rxBytes(), status.txBytes(), status.rxPackets(), status.txPackets())
        .containsExactly(1060, 6200, 11, 26);
    assertThat(t.restored()).isFalse();
    long now = Instant.now().getEpochSecond() * S;
    assertThat(t.sinceEpochNanos()).isBetween(now - 60 * S, now + 60 * S);
  }

  @Test
  void aNextAgentGoesOnFromTheCheckpointAndKeepsWhenTheyBegan(@TempDir Path dir) throws Exception {
    FakeFlows kernel = new FakeFlows();
    Collector first = new Collector(S);
    MonitorView before = new MonitorView(first, MetricsSink.NONE);
    FlowKey out = udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS);
    kernel.put(out, 1000, 10, S);
    first.collect(kernel, Routing.all(index, before), S, IDLE);
    Checkpoint.write(dir, 42, first, Map.of("uid", before));
    Thread.sleep(5); // the next agent's view is made later

    Collector next = new Collector(S);
    MonitorView after = new MonitorView(next, MetricsSink.NONE);
    Checkpoint.restore(after, Checkpoint.read(dir, 42, next).views().get("uid"));
    kernel.add(out, 300, 3, 2 * S);
    next.collect(kernel, Routing.all(index, after), 2 * S, IDLE);

    MonitorView.Totals t = after.totals();
    assertThat(t.restored()).isTrue();
    assertThat(t.sinceEpochNanos()).isEqualTo(before.totals().sinceEpochNanos());
    assertThat(t.txBytes()).isEqualTo(1300);
    assertThat(t.targets()).containsExactly(new IntervalRecords.TargetCounts(podA, 0, 1300, 0, 13));
  }
}
