package io.trafficmonitor.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.trafficmonitor.agent.spec.Applications;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.api.v1alpha1.Peer;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.datapath.flow.FilterRule;
import io.trafficmonitor.datapath.flow.FlowKey;
import io.trafficmonitor.datapath.flow.TargetKind;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CollectorTest {
  static final long S = 1_000_000_000L;
  static final long IDLE = 30 * S;

  final Target podA = Target.podCgroup("shop", "a");
  final Target podB = Target.podCgroup("shop", "b");
  final Target vethA = Target.podVeth("shop", "a", "veth1");
  final Target eth0 = Target.nodeInterface("eth0");
  final TargetIndex index =
      new TargetIndex(Map.of(100L, podA, 101L, podA, 200L, podB), Map.of(7, vethA, 2, eth0));

  FakeFlows kernel;
  Collector collector;

  @BeforeEach
  void setUp() {
    kernel = new FakeFlows();
    collector = new Collector(MetricsSink.NONE, S);
  }

  static FlowKey udp(int sport, TargetKind kind, long target, Direction dir) {
    return FakeFlows.key("10.1.0.1", sport, "10.1.0.2", 53, 17, kind, target, dir);
  }

  private Optional<Series> series(Target t, String dir, String proto) {
    return collector.series().stream()
        .filter(s -> s.key().equals(new Series.Key(t, dir, proto)))
        .findFirst();
  }

  @Test
  void deltasAccumulateIntoSeriesAndTotals() {
    FlowKey out = udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey in = udp(1000, TargetKind.CGROUP, 200, Direction.INGRESS);
    kernel.put(out, 1000, 10, 1 * S);
    kernel.put(in, 1000, 10, 1 * S);
    collector.collect(kernel, index, 1 * S, IDLE);
    kernel.add(out, 500, 5, 2 * S);
    kernel.add(in, 500, 5, 2 * S);
    collector.collect(kernel, index, 2 * S, IDLE);
    assertThat(series(podA, "egress", "UDP").orElseThrow().bytes()).isEqualTo(1500);
    assertThat(series(podA, "egress", "UDP").orElseThrow().packets()).isEqualTo(15);
    assertThat(series(podB, "ingress", "UDP").orElseThrow().bytes()).isEqualTo(1500);
    StatusSnapshot snap = collector.snapshot(10);
    assertThat(snap.txBytes()).isEqualTo(1500);
    assertThat(snap.rxBytes()).isEqualTo(1500);
    assertThat(snap.txPackets()).isEqualTo(15);
    assertThat(snap.activeFlows()).isEqualTo(2);
  }

  @Test
  void childCgroupsCountForThePodAndVethDirectionsAreReversed() {
    kernel.put(udp(1, TargetKind.CGROUP, 101, Direction.EGRESS), 100, 1, S);
    kernel.put(udp(1, TargetKind.TC, 7, Direction.INGRESS), 100, 1, S); // host side in = pod out
    collector.collect(kernel, index, S, IDLE);
    assertThat(series(podA, "egress", "UDP").orElseThrow().bytes()).isEqualTo(100);
    assertThat(series(vethA, "egress", "UDP").orElseThrow().bytes()).isEqualTo(100);
    StatusSnapshot snap = collector.snapshot(10);
    assertThat(snap.txBytes()).as("veth traffic is not counted twice").isEqualTo(100);
  }

  @Test
  void unknownTargetsKeepTheirCountsUntilResolved() {
    FlowKey k = udp(1, TargetKind.CGROUP, 300, Direction.EGRESS);
    kernel.put(k, 400, 4, S);
    Collector.Result r = collector.collect(kernel, index, S, IDLE);
    assertThat(r.unresolved()).isEqualTo(1);
    assertThat(collector.series()).isEmpty();
    Target podC = Target.podCgroup("shop", "c");
    TargetIndex later = new TargetIndex(Map.of(300L, podC), Map.of());
    kernel.add(k, 100, 1, 2 * S);
    collector.collect(kernel, later, 2 * S, IDLE);
    assertThat(series(podC, "egress", "UDP").orElseThrow().bytes()).isEqualTo(500);
  }

  @Test
  void idleFlowsAreEvictedWithTheirFinalCounts() {
    FlowKey k = udp(1, TargetKind.TC, 2, Direction.INGRESS);
    kernel.put(k, 100, 1, S);
    collector.collect(kernel, index, S, IDLE);
    kernel.add(k, 50, 1, 2 * S);
    Collector.Result r = collector.collect(kernel, index, 40 * S, IDLE);
    assertThat(r.evicted()).isEqualTo(1);
    assertThat(kernel.flows).isEmpty();
    assertThat(collector.trackedFlows()).isZero();
    assertThat(series(eth0, "ingress", "UDP").orElseThrow().bytes()).isEqualTo(150);
    kernel.put(k, 10, 1, 41 * S); // the flow comes back: a new kernel entry from zero
    collector.collect(kernel, index, 41 * S, IDLE);
    assertThat(series(eth0, "ingress", "UDP").orElseThrow().bytes()).isEqualTo(160);
    // at the position where the evicted entry was read: tracked anew, not the evicted entry
    assertThat(collector.trackedFlows()).isEqualTo(1);
  }

  @Test
  void flowsThatMoveInTheKernelsOrderOrLeaveAndComeBackAreCountedOnce() {
    FlowKey a = udp(1, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey b = udp(2, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey c = udp(3, TargetKind.CGROUP, 100, Direction.EGRESS);
    kernel.put(a, 100, 1, S);
    kernel.put(b, 200, 2, S);
    kernel.put(c, 300, 3, S);
    collector.collect(kernel, index, S, IDLE);
    kernel.flows.remove(ByteBuffer.wrap(b.encode())); // deleted by someone else
    kernel.add(a, 100, 1, 2 * S);
    collector.collect(kernel, index, 2 * S, IDLE);
    assertThat(collector.trackedFlows()).isEqualTo(2);
    kernel.put(b, 100, 1, 3 * S); // back as a new entry, now last: c and b changed places
    kernel.add(c, 100, 1, 3 * S);
    collector.collect(kernel, index, 3 * S, IDLE);
    collector.collect(kernel, index, 4 * S, IDLE); // unchanged: nothing more
    assertThat(collector.trackedFlows()).isEqualTo(3);
    assertThat(series(podA, "egress", "UDP").orElseThrow().bytes())
        .isEqualTo(100 + 200 + 300 + 3 * 100);
    assertThat(series(podA, "egress", "UDP").orElseThrow().packets()).isEqualTo(1 + 2 + 3 + 3);
  }

  @Test
  void forgettingATargetDropsItsSeriesAndKernelFlows() {
    kernel.put(udp(1, TargetKind.CGROUP, 100, Direction.EGRESS), 100, 1, S);
    kernel.put(udp(1, TargetKind.CGROUP, 200, Direction.INGRESS), 100, 1, S);
    collector.collect(kernel, index, S, IDLE);
    collector.forget(t -> t.equals(podA), kernel);
    assertThat(collector.series()).extracting(s -> s.key().target()).containsOnly(podB);
    assertThat(kernel.flows).hasSize(1);
    assertThat(collector.snapshot(10).txBytes()).as("totals stay").isEqualTo(100);
  }

  @Test
  void topFlowsRankByIntervalBytesAndMergeTheSameTuple() {
    // one tuple seen at the sender and receiver cgroups, another one smaller
    kernel.put(udp(1, TargetKind.CGROUP, 100, Direction.EGRESS), 9000, 9, S);
    kernel.put(udp(1, TargetKind.CGROUP, 200, Direction.INGRESS), 9000, 9, S);
    kernel.put(udp(2, TargetKind.CGROUP, 100, Direction.EGRESS), 100, 1, S);
    kernel.put(udp(3, TargetKind.CGROUP, 100, Direction.EGRESS), 5000, 5, S);
    collector.collect(kernel, index, S, IDLE);
    StatusSnapshot snap = collector.snapshot(2);
    assertThat(snap.topFlows()).hasSize(2);
    StatusSnapshot.TopFlow first = snap.topFlows().get(0);
    assertThat(first.sourcePort()).isEqualTo(1);
    assertThat(first.destinationPort()).isEqualTo(53);
    assertThat(first.source()).isEqualTo("10.1.0.1");
    assertThat(first.protocol()).isEqualTo("UDP");
    assertThat(first.bytes()).isEqualTo(9000);
    assertThat(first.intervalBytes()).isEqualTo(9000);
    assertThat(snap.topFlows().get(1).sourcePort()).isEqualTo(3);
    // the next interval: only what moved since
    kernel.add(udp(2, TargetKind.CGROUP, 100, Direction.EGRESS), 700, 7, 2 * S);
    collector.collect(kernel, index, 2 * S, IDLE);
    StatusSnapshot next = collector.snapshot(2);
    assertThat(next.topFlows()).hasSize(1);
    assertThat(next.topFlows().get(0).sourcePort()).isEqualTo(2);
    assertThat(next.topFlows().get(0).bytes()).isEqualTo(800);
    assertThat(next.topFlows().get(0).intervalBytes()).isEqualTo(700);
    assertThat(next.topFlows().get(0).pod()).isEqualTo("shop/a");
  }

  @Test
  void payloadAndPacketSizesAccumulateLikeBytes() {
    FlowKey out = udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS);
    kernel.put(out, 1000, 10, S);
    collector.collect(kernel, index, S, IDLE);
    kernel.add(out, 500, 5, 2 * S);
    collector.collect(kernel, index, 2 * S, IDLE);
    Series s = series(podA, "egress", "UDP").orElseThrow();
    assertThat(s.payloadBytes()).isEqualTo(1500 - 15 * 28);
    assertThat(s.sizes()[6]).isEqualTo(15);
    StatusSnapshot snap = collector.snapshot(10);
    assertThat(snap.txPayloadBytes()).isEqualTo(1500 - 15 * 28);
    assertThat(snap.topFlows().get(0).payloadBytes()).isEqualTo(1500 - 15 * 28);
  }

  @Test
  void sequenceFiguresAreAttributedAsDeltasAndSurviveEviction() {
    FlowKey in = udp(1000, TargetKind.CGROUP, 200, Direction.INGRESS);
    kernel.put(in, 1000, 10, S);
    kernel.sequence(in, 10, 0, 1, 0, 2);
    collector.collect(kernel, index, S, IDLE);
    kernel.add(in, 1000, 10, 2 * S);
    kernel.sequence(in, 20, 1, 1, 1, 12);
    collector.collect(kernel, index, 2 * S, IDLE);
    Series s = series(podB, "ingress", "UDP").orElseThrow();
    assertThat(s.sequence(Series.SEQ_RECEIVED)).isEqualTo(20);
    assertThat(s.sequence(Series.SEQ_BIG_GAPS)).isEqualTo(1);
    assertThat(s.sequenceLost()).isEqualTo(11);
    // the last packets arrive, then the flow goes idle and is evicted with its sequence state
    kernel.sequence(in, 25, 1, 1, 1, 12);
    collector.collect(kernel, index, 2 * S + IDLE + 1, IDLE);
    assertThat(kernel.sequences).isEmpty();
    assertThat(s.sequence(Series.SEQ_RECEIVED)).isEqualTo(25);
    StatusSnapshot.Sequence total = collector.snapshot(10).sequence();
    assertThat(total).isEqualTo(new StatusSnapshot.Sequence(25, 1, 1, 1, 11));
  }

  @Test
  void topFlowsAreNamedByApplication() {
    collector.applications(new Applications(List.of(new Applications.Entry("game", 7777, 17))));
    kernel.put(udp(40000, TargetKind.CGROUP, 100, Direction.EGRESS), 900, 9, S); // to port 53
    kernel.put(
        FakeFlows.key(
            "10.1.0.2", 7777, "10.1.0.1", 40001, 17, TargetKind.CGROUP, 100, Direction.EGRESS),
        800,
        8,
        S);
    kernel.put(
        FakeFlows.key(
            "10.1.0.1", 40002, "10.1.0.9", 9, 17, TargetKind.CGROUP, 100, Direction.EGRESS),
        700,
        7,
        S);
    collector.collect(kernel, index, S, IDLE);
    List<StatusSnapshot.TopFlow> top = collector.snapshot(3).topFlows();
    assertThat(top)
        .extracting(StatusSnapshot.TopFlow::application)
        .containsExactly("DNS", "game", null);
  }

  @Test
  void distinctFlowsPeersAndTopTalkers() {
    // pod a talks to 300 peers; 10.9.0.7 gets the most bytes, 10.9.0.8 the second most
    for (int i = 0; i < 300; i++) {
      String peer = "10.9." + (i / 250) + "." + (i % 250);
      long bytes = peer.equals("10.9.0.7") ? 100_000 : peer.equals("10.9.0.8") ? 50_000 : 100;
      kernel.put(
          FakeFlows.key(
              "10.1.0.1", 1000 + i, peer, 80, 6, TargetKind.CGROUP, 100, Direction.EGRESS),
          bytes,
          1,
          S);
    }
    // the same 5-tuple seen a second time (pod b's cgroup): one distinct flow
    kernel.put(
        FakeFlows.key(
            "10.1.0.1", 1007, "10.9.0.7", 80, 6, TargetKind.CGROUP, 200, Direction.INGRESS),
        1,
        1,
        S);
    collector.collect(kernel, index, S, IDLE);
    StatusSnapshot snap = collector.snapshot(3);
    assertThat(snap.uniqueFlows()).isBetween(294L, 306L); // 300, HyperLogLog within 2%
    assertThat(snap.uniquePeers()).isBetween(295L, 307L); // 300 peers and 10.1.0.1
    assertThat(snap.topTalkers().get(0)).isEqualTo(new StatusSnapshot.Talker("10.9.0.7", 100_000));
    assertThat(snap.topTalkers().get(1).address()).isEqualTo("10.9.0.8");
    assertThat(snap.topTalkers()).hasSize(MonitorView.TOP_TALKERS);
  }

  /** A monitor's view with its own filters and directions, fed by the shared collector. */
  private Routing.Subscription view(Collector c, List<FilterRule> rules, boolean in, boolean out) {
    return new Routing.Subscription(new MonitorView(c, MetricsSink.NONE), rules, in, out);
  }

  @Test
  void everyMonitorOfAPodCountsExactlyItsOwnSelection() {
    Collector c = new Collector(S);
    Routing.Subscription all = view(c, List.of(), true, true);
    Routing.Subscription dns =
        view(c, List.of(FilterRule.builder().destinationPort("53").build()), true, true);
    Routing.Subscription in = view(c, List.of(), true, false);
    Routing routing = new Routing(index, Map.of(podA, List.of(all, dns, in), podB, List.of(all)));
    FlowKey toDns = udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey web =
        FakeFlows.key(
            "10.1.0.1", 1001, "10.1.0.9", 80, 6, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey intoA =
        FakeFlows.key(
            "10.1.0.9", 80, "10.1.0.1", 1001, 6, TargetKind.CGROUP, 101, Direction.INGRESS);
    FlowKey intoB = udp(1000, TargetKind.CGROUP, 200, Direction.INGRESS);
    kernel.put(toDns, 100, 1, 1 * S);
    kernel.put(web, 1000, 2, 1 * S);
    kernel.put(intoA, 4000, 4, 1 * S);
    kernel.put(intoB, 70, 1, 1 * S);
    c.collect(kernel, routing, 1 * S, IDLE);
    kernel.add(toDns, 100, 1, 2 * S);
    c.collect(kernel, routing, 2 * S, IDLE);

    StatusSnapshot a = all.view().snapshot(10);
    assertThat(a.txBytes()).isEqualTo(1200);
    assertThat(a.rxBytes()).as("pod a in, pod b in").isEqualTo(4070);
    StatusSnapshot d = dns.view().snapshot(10);
    assertThat(d.txBytes()).as("only port 53").isEqualTo(200);
    assertThat(d.rxBytes()).isZero();
    assertThat(d.topFlows()).singleElement().satisfies(f -> assertThat(f.bytes()).isEqualTo(200));
    StatusSnapshot i = in.view().snapshot(10);
    assertThat(i.txBytes()).as("ingress only").isZero();
    assertThat(i.rxBytes()).as("pod a only").isEqualTo(4000);
    assertThat(c.trackedFlows())
        .as("one kernel entry per flow, whatever the monitors")
        .isEqualTo(4);
  }

  @Test
  void aMonitorAddedLaterCountsFromThenOnAndOneRemovedStops() {
    Collector c = new Collector(S);
    Routing.Subscription first = view(c, List.of(), true, true);
    Routing.Subscription later = view(c, List.of(), true, true);
    FlowKey out = udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS);
    kernel.put(out, 1000, 10, 1 * S);
    c.collect(kernel, new Routing(index, Map.of(podA, List.of(first))), 1 * S, IDLE);
    kernel.add(out, 500, 5, 2 * S);
    Routing both = new Routing(index, Map.of(podA, List.of(first, later)));
    c.collect(kernel, both, 2 * S, IDLE);
    assertThat(first.view().snapshot(10).txBytes()).isEqualTo(1500);
    assertThat(later.view().snapshot(10).txBytes())
        .as("from the last collection before it was served: not the 1000 bytes before")
        .isEqualTo(500);
    kernel.add(out, 300, 3, 3 * S);
    c.collect(kernel, both, 3 * S, IDLE);
    assertThat(later.view().snapshot(10).txBytes()).isEqualTo(800);
    assertThat(first.view().snapshot(10).txBytes()).isEqualTo(1800);

    c.forget(later.view(), t -> true);
    kernel.add(out, 200, 2, 4 * S);
    c.collect(kernel, new Routing(index, Map.of(podA, List.of(first))), 4 * S, IDLE);
    assertThat(later.view().snapshot(10).txBytes()).as("stopped").isEqualTo(800);
    assertThat(later.view().series()).isEmpty();
    assertThat(first.view().snapshot(10).txBytes()).isEqualTo(2000);
  }

  @Test
  void aNextCollectorContinuesFromACheckpointWithoutLossOrDoubleCount(@TempDir Path dir)
      throws Exception {
    Collector first = new Collector(S);
    MonitorView before = new MonitorView(first, MetricsSink.NONE);
    FlowKey out = udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey in = udp(1000, TargetKind.CGROUP, 200, Direction.INGRESS);
    kernel.put(out, 1000, 10, 1 * S);
    kernel.put(in, 1000, 10, 1 * S);
    first.collect(kernel, Routing.all(index, before), 1 * S, IDLE);
    Checkpoint.write(dir, 42, first, Map.of("shop/web", before));
    kernel.add(out, 500, 5, 2 * S); // counted by the first agent after its checkpoint
    first.collect(kernel, Routing.all(index, before), 2 * S, IDLE);
    long exported = series(before, podA, "egress").bytes();
    assertThat(exported).isEqualTo(1500);
    kernel.add(out, 300, 3, 3 * S); // while no agent runs: the pinned map counts on

    Collector next = new Collector(S);
    MonitorView after = new MonitorView(next, MetricsSink.NONE);
    Checkpoint.Read read = Checkpoint.read(dir, 42, next);
    Checkpoint.restore(after, read.views().get("shop/web"));
    assertThat(series(after, podA, "egress").bytes())
        .as("the checkpoint's figure until the first collection")
        .isEqualTo(1000);
    next.collect(kernel, Routing.all(index, after), 4 * S, IDLE);
    assertThat(series(after, podA, "egress").bytes())
        .as("every byte once: 1000 + 500 + 300, not below what was exported")
        .isEqualTo(1800)
        .isGreaterThanOrEqualTo(exported);
    assertThat(series(after, podB, "ingress").bytes()).isEqualTo(1000);
    StatusSnapshot snap = after.snapshot(10);
    assertThat(snap.txBytes()).isEqualTo(1800);
    assertThat(snap.rxBytes()).isEqualTo(1000);
    assertThat(application(after, podA, "egress", "DNS").bytes())
        .as("application series go on from the checkpoint too")
        .isEqualTo(1800);

    assertThat(Checkpoint.read(dir, 43, new Collector(S)))
        .as("another flow map's checkpoint is not used")
        .isNull();
  }

  @Test
  void applicationTrafficIsCountedAtThePodsSocketsOnlyForNamedPorts() {
    Collector c = new Collector(S);
    MonitorView view = new MonitorView(c, MetricsSink.NONE);
    view.applications(new Applications(List.of(new Applications.Entry("media", 5004, 17))));
    kernel.put(udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS), 1000, 10, S); // to 53: DNS
    kernel.put(udp(1000, TargetKind.TC, 7, Direction.INGRESS), 1000, 10, S); // its veth
    kernel.put(
        FakeFlows.key(
            "10.1.0.2", 5004, "10.1.0.1", 40000, 17, TargetKind.CGROUP, 200, Direction.EGRESS),
        600,
        6,
        S); // from 5004: a reply of media
    kernel.put(
        FakeFlows.key(
            "10.1.0.1", 1000, "10.1.0.2", 7000, 17, TargetKind.CGROUP, 100, Direction.EGRESS),
        400,
        4,
        S); // no name
    c.collect(kernel, Routing.all(index, view), S, IDLE);
    kernel.add(udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS), 500, 5, 2 * S);
    c.collect(kernel, Routing.all(index, view), 2 * S, IDLE);

    assertThat(application(view, podA, "egress", "DNS").bytes()).isEqualTo(1500);
    assertThat(application(view, podA, "egress", "DNS").packets()).isEqualTo(15);
    assertThat(application(view, podB, "egress", "media").bytes()).isEqualTo(600);
    assertThat(view.applicationSeries())
        .as("the veth's flow and the unnamed port make no application series")
        .hasSize(2)
        .noneMatch(a -> a.key().target().equals(vethA));

    view.forget(t -> t.equals(podA));
    assertThat(view.applicationSeries()).extracting(a -> a.key().target()).containsOnly(podB);
  }

  @Test
  void everyFlowsJitterIsSampledAtEachSnapshotWhenTheMonitorAsks() {
    Collector c = new Collector(S);
    MonitorView view = new MonitorView(c, MetricsSink.NONE);
    FlowKey steady = udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey jittery = udp(1001, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey veth = udp(1000, TargetKind.TC, 7, Direction.INGRESS);
    for (FlowKey k : List.of(steady, jittery, veth)) {
      kernel.put(k, 1000, 10, S);
    }
    // 10 intervals of exactly 1 ms: jitter 0; 10 intervals of 1 ms mean, 0.5 ms deviation
    kernel.arrivals(steady, 10, 10_000_000L, 10 * 1_000_000L);
    kernel.arrivals(jittery, 10, 10_000_000L, 10 * 1_250_000L);
    kernel.arrivals(veth, 10, 10_000_000L, 10 * 1_250_000L);
    c.collect(kernel, Routing.all(index, view), S, IDLE);
    view.snapshot(10);
    assertThat(view.jitterSeries()).as("not asked for: nothing sampled").isEmpty();

    view.jitter(true);
    view.snapshot(10);
    view.snapshot(10);
    assertThat(view.jitterSeries())
        .as("the pod's sockets only, not its veth")
        .singleElement()
        .satisfies(
            j -> {
              assertThat(j.key()).isEqualTo(new JitterSeries.Key(podA, "egress"));
              long[] n = j.counts();
              assertThat(n[0]).as("jitter 0, twice").isEqualTo(2);
              assertThat(n[9]).as("500 us (up to 512), twice").isEqualTo(2);
              assertThat(j.sumSeconds()).isCloseTo(2 * 500e-6, within(1e-9));
            });
    view.jitter(false);
    assertThat(view.jitterSeries()).isEmpty();
  }

  @Test
  void tcpFlowsCountOncePerFlagAndAFlowTakenOverFromACheckpointIsNotCountedAgain(@TempDir Path dir)
      throws Exception {
    Collector first = new Collector(S);
    MonitorView before = new MonitorView(first, MetricsSink.NONE);
    FlowKey a =
        FakeFlows.key(
            "10.1.0.1", 40000, "10.1.0.2", 80, 6, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey b =
        FakeFlows.key(
            "10.1.0.1", 40001, "10.1.0.2", 80, 6, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey veth =
        FakeFlows.key("10.1.0.1", 40000, "10.1.0.2", 80, 6, TargetKind.TC, 7, Direction.INGRESS);
    kernel.put(a, 60, 1, S);
    kernel.tcpFlags(a, 0x02); // SYN
    kernel.put(b, 60, 1, S);
    kernel.tcpFlags(b, 0x02);
    kernel.put(veth, 60, 1, S);
    kernel.tcpFlags(veth, 0x02);
    first.collect(kernel, Routing.all(index, before), S, IDLE);
    kernel.add(a, 60, 1, 2 * S);
    kernel.tcpFlags(a, 0x02 | 0x10 | 0x01); // then ACK and FIN
    kernel.add(b, 60, 1, 2 * S);
    kernel.tcpFlags(b, 0x02 | 0x10); // ACK only: nothing new counted
    first.collect(kernel, Routing.all(index, before), 2 * S, IDLE);
    assertThat(flag(before, "SYN")).isEqualTo(2);
    assertThat(flag(before, "FIN")).isEqualTo(1);
    assertThat(before.tcpFlagSeries())
        .as("the pod's sockets only; no RST seen")
        .hasSize(2)
        .allMatch(f -> f.key().target().equals(podA) && f.key().direction().equals("egress"));

    Checkpoint.write(dir, 42, first, Map.of("shop/web", before));
    Collector next = new Collector(S);
    MonitorView after = new MonitorView(next, MetricsSink.NONE);
    Checkpoint.Read read = Checkpoint.read(dir, 42, next);
    Checkpoint.restore(after, read.views().get("shop/web"));
    kernel.add(b, 60, 1, 3 * S);
    kernel.tcpFlags(b, 0x02 | 0x10 | 0x04); // a reset, after the restart
    next.collect(kernel, Routing.all(index, after), 3 * S, IDLE);
    assertThat(flag(after, "SYN")).as("the SYNs the previous agent counted, once").isEqualTo(2);
    assertThat(flag(after, "FIN")).isEqualTo(1);
    assertThat(flag(after, "RST")).isEqualTo(1);
  }

  private static long flag(MonitorView v, String flag) {
    return v.tcpFlagSeries().stream()
        .filter(f -> f.key().flag().equals(flag))
        .mapToLong(TcpFlagSeries::flows)
        .sum();
  }

  @Test
  void podTrafficIsCountedPerPeerWorkloadAndAnAddressLearntLaterIsNamedFromThen(@TempDir Path dir)
      throws Exception {
    Collector c = new Collector(S);
    MonitorView view = new MonitorView(c, MetricsSink.NONE);
    Map<String, Peer> known = new ConcurrentHashMap<>();
    known.put("10.1.0.2", new Peer(Peer.POD, "shop", "db-7f-x", "Deployment", "db"));
    Function<String, Peer> names =
        a -> known.getOrDefault(a, new Peer(Peer.WORLD, null, null, null, null));
    view.peers(names);
    FlowKey toDb = udp(1000, TargetKind.CGROUP, 100, Direction.EGRESS); // 10.1.0.1 -> 10.1.0.2
    FlowKey toDbAgain = udp(1001, TargetKind.CGROUP, 100, Direction.EGRESS);
    FlowKey fresh =
        FakeFlows.key(
            "10.1.0.1", 1000, "10.1.0.9", 53, 17, TargetKind.CGROUP, 100, Direction.EGRESS);
    kernel.put(toDb, 1000, 10, S);
    kernel.put(toDbAgain, 500, 5, S);
    kernel.put(fresh, 300, 3, S);
    kernel.put(udp(1000, TargetKind.TC, 7, Direction.INGRESS), 1000, 10, S); // the veth: none
    c.collect(kernel, Routing.all(index, view), S, IDLE);
    PeerSeries.Key db = new PeerSeries.Key(podA, "egress", "Deployment", "shop", "db");
    PeerSeries.Key world = new PeerSeries.Key(podA, "egress", Peer.WORLD, "", "");
    assertThat(peer(view, db).bytes()).as("two flows, one workload").isEqualTo(1500);
    assertThat(peer(view, world).bytes()).isEqualTo(300);
    assertThat(view.peerSeries()).hasSize(2);

    // 10.1.0.9 turns out to be a Service: its later bytes are the Service's.
    known.put("10.1.0.9", new Peer(Peer.SERVICE, "shop", "cache", null, null));
    view.snapshot(10);
    kernel.add(fresh, 200, 2, 2 * S);
    c.collect(kernel, Routing.all(index, view), 2 * S, IDLE);
    assertThat(
            peer(view, new PeerSeries.Key(podA, "egress", Peer.SERVICE, "shop", "cache")).bytes())
        .isEqualTo(200);
    assertThat(peer(view, world).bytes()).as("what was counted stays counted").isEqualTo(300);

    // A restart continues every peer series.
    Checkpoint.write(dir, 7, c, Map.of("shop/web", view));
    Collector next = new Collector(S);
    MonitorView after = new MonitorView(next, MetricsSink.NONE);
    Checkpoint.restore(after, Checkpoint.read(dir, 7, next).views().get("shop/web"));
    after.peers(names);
    assertThat(peer(after, db).bytes()).isEqualTo(1500);
    assertThat(after.peerSeries()).hasSize(3);

    view.peers(null);
    assertThat(view.peerSeries()).as("not asked for any more").isEmpty();
  }

  private static PeerSeries peer(MonitorView v, PeerSeries.Key key) {
    return v.peerSeries().stream().filter(p -> p.key().equals(key)).findFirst().orElseThrow();
  }

  @Test
  void aCheckpointOfAnAgentWithoutApplicationSeriesIsRestored() throws Exception {
    Collector c = new Collector(S);
    MonitorView view = new MonitorView(c, MetricsSink.NONE);
    view.prefixes(0); // no prefix counters: their section is one byte
    kernel.put(
        FakeFlows.key(
            "10.1.0.1", 1000, "10.1.0.2", 7000, 17, TargetKind.CGROUP, 100, Direction.EGRESS),
        400,
        4,
        S);
    c.collect(kernel, Routing.all(index, view), S, IDLE);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    view.save(new DataOutputStream(bytes));
    byte[] saved = bytes.toByteArray();
    // the previous format ends where the application series begin (here: their count, 0), before
    // the TCP flag series (their count, 0), the prefix counters (absent: one byte) and when the
    // figures began (a long)
    byte[] previous = Arrays.copyOf(saved, saved.length - Integer.BYTES - 1 - Long.BYTES);

    MonitorView next = new MonitorView(new Collector(S), MetricsSink.NONE);
    Checkpoint.restore(next, previous);
    assertThat(next.series()).singleElement().satisfies(s -> assertThat(s.bytes()).isEqualTo(400));
    assertThat(next.applicationSeries()).isEmpty();
  }

  @Test
  void heavyPrefixesOfSourcesAndDestinationsSurviveACheckpoint() throws Exception {
    Collector c = new Collector(S);
    MonitorView view = new MonitorView(c, MetricsSink.NONE);
    view.prefixes(0.05); // spec.prefixes: {enabled: true}
    kernel.put(
        FakeFlows.key(
            "10.1.0.1", 1000, "10.1.0.2", 7000, 17, TargetKind.CGROUP, 100, Direction.EGRESS),
        900,
        9,
        S);
    kernel.put(
        FakeFlows.key(
            "10.1.0.1", 1001, "192.168.3.4", 53, 17, TargetKind.CGROUP, 100, Direction.EGRESS),
        100,
        1,
        S);
    c.collect(kernel, Routing.all(index, view), S, IDLE);
    List<StatusSnapshot.HeavyPrefix> heavy = view.snapshot(10).heavyPrefixes();
    assertThat(heavy)
        .as("one source, two destinations (10% is above half of 5%)")
        .containsExactly(
            new StatusSnapshot.HeavyPrefix(true, "10.1.0.1/32", 1000, 1000),
            new StatusSnapshot.HeavyPrefix(false, "10.1.0.2/32", 900, 900),
            new StatusSnapshot.HeavyPrefix(false, "192.168.3.4/32", 100, 100));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    view.save(new DataOutputStream(bytes));
    MonitorView next = new MonitorView(new Collector(S), MetricsSink.NONE);
    next.prefixes(0.05);
    Checkpoint.restore(next, bytes.toByteArray());
    assertThat(next.snapshot(10).heavyPrefixes()).isEqualTo(heavy);

    view.prefixes(0);
    assertThat(view.snapshot(10).heavyPrefixes()).isEmpty();
    assertThat(view.prefixMemoryBytes()).isZero();
  }

  private static ApplicationSeries application(
      MonitorView v, Target t, String dir, String application) {
    return v.applicationSeries().stream()
        .filter(a -> a.key().equals(new ApplicationSeries.Key(t, dir, application)))
        .findFirst()
        .orElseThrow();
  }

  private static Series series(MonitorView v, Target t, String dir) {
    return v.series().stream()
        .filter(s -> s.key().equals(new Series.Key(t, dir, "UDP")))
        .findFirst()
        .orElseThrow();
  }
}
