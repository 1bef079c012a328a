package io.trafficmonitor.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.datapath.tcp.CgroupTcpStats;
import io.trafficmonitor.datapath.tcp.DropKey;
import io.trafficmonitor.datapath.tcp.TcpConnection;
import io.trafficmonitor.datapath.tcp.TcpLayout;
import io.trafficmonitor.datapath.tcp.WindowStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TcpCollectorTest {
  static final long NODE_NETNS = 4026531840L;
  final Target podA = Target.podCgroup("shop", "a");
  final TargetIndex index = new TargetIndex(Map.of(100L, podA, 101L, podA), Map.of());
  final TcpCollector tcp = new TcpCollector(TcpCollector.Sink.NONE);

  static CgroupTcpStats stats(long retrans, long opened, long closed, long durationMicros) {
    long[] rtt = new long[TcpLayout.HIST_BUCKETS];
    long[] dur = new long[TcpLayout.HIST_BUCKETS];
    rtt[7] = opened; // one 128..255 us sample per connection
    dur[CgroupTcpStats.bucketOf(durationMicros)] = closed;
    return new CgroupTcpStats(
        retrans,
        0,
        opened,
        200 * opened,
        opened,
        0,
        closed,
        durationMicros * closed,
        0,
        0,
        rtt,
        dur);
  }

  @Test
  void podCgroupsAddUpAsDeltasAndOthersAreIgnored() {
    tcp.collect(
        Map.of(100L, stats(2, 3, 1, 50_000), 999L, stats(50, 50, 50, 1)),
        Map.of(),
        index,
        NODE_NETNS);
    tcp.collect(
        Map.of(100L, stats(5, 4, 4, 50_000), 101L, stats(1, 1, 0, 0), 999L, stats(60, 60, 60, 1)),
        Map.of(),
        index,
        NODE_NETNS);
    TcpCollector.PodTcp a = tcp.pod(podA);
    assertThat(a.get(TcpCollector.RETRANSMITS)).isEqualTo(6);
    assertThat(a.get(TcpCollector.OPENED)).isEqualTo(5);
    assertThat(a.get(TcpCollector.CLOSED)).isEqualTo(4);
    assertThat(a.open()).isEqualTo(1);
    assertThat(a.durationHistogram()[CgroupTcpStats.bucketOf(50_000)]).isEqualTo(4);
    assertThat(a.rttHistogram()[7]).isEqualTo(5);
    TcpCollector.Totals t = tcp.totals();
    assertThat(t.retransmits()).isEqualTo(6);
    assertThat(t.durationSumMicros()).isEqualTo(200_000);
  }

  static CgroupTcpStats window(long peer, long local, long limited, long scale7, long none) {
    long[] scales = new long[TcpLayout.WSCALE_BUCKETS];
    scales[7] = scale7;
    scales[TcpLayout.WSCALE_NONE] = none;
    long[] h = new long[TcpLayout.HIST_BUCKETS];
    return new CgroupTcpStats(
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, h, h, new WindowStats(peer, local, limited, scales));
  }

  @Test
  void flowControlAddsUpAsDeltasAndAnnouncesEachScaleOnce() {
    List<String> announced = new ArrayList<>();
    TcpCollector c =
        new TcpCollector(
            new TcpCollector.Sink() {
              @Override
              public void tcpAdded(TcpCollector.PodTcp pod) {}

              @Override
              public void tcpRemoved(TcpCollector.PodTcp pod) {}

              @Override
              public void dropsAdded(TcpCollector.Drops drops) {}

              @Override
              public void dropsRemoved(TcpCollector.Drops drops) {}

              @Override
              public void tcpScaleAdded(TcpCollector.PodTcp pod, int bucket) {
                announced.add(WindowStats.scaleLabel(bucket));
              }
            });
    c.collect(Map.of(100L, window(1, 0, 2, 3, 0)), Map.of(), index, NODE_NETNS);
    c.collect(
        Map.of(100L, window(4, 1, 2, 5, 1), 101L, window(1, 0, 0, 1, 0)),
        Map.of(),
        index,
        NODE_NETNS);
    TcpCollector.PodTcp a = c.pod(podA);
    assertThat(a.get(TcpCollector.ZERO_WINDOW_PEER)).isEqualTo(5);
    assertThat(a.get(TcpCollector.ZERO_WINDOW_LOCAL)).isEqualTo(1);
    assertThat(a.get(TcpCollector.WINDOW_LIMITED)).isEqualTo(2);
    assertThat(a.scaleConnections(7)).isEqualTo(6);
    assertThat(a.scaleConnections(TcpLayout.WSCALE_NONE)).isEqualTo(1);
    assertThat(announced).containsExactly("7", "none");
    TcpCollector.Window w = c.totals().window();
    assertThat(w).isEqualTo(new TcpCollector.Window(5, 1, 2, 1));
  }

  @Test
  void congestionWindowsOfEstablishedConnectionsAreSampledPerPod() {
    tcp.collect(Map.of(100L, stats(0, 2, 0, 0)), Map.of(), index, NODE_NETNS);
    List<TcpConnection> table =
        List.of(
            connection(100, 10, 1, 0), // podA, established: bucket up to 16
            connection(101, 1, 1, 0), // podA's child cgroup: bucket up to 1
            connection(100, 5000, 1, 0), // above 4096: the last bucket
            connection(100, 64, 7, 0), // closed state: not sampled
            connection(100, 64, 1, 123), // closed: not sampled
            connection(999, 64, 1, 0)); // not a monitored pod
    tcp.sampleCwnd(table, index);
    tcp.sampleCwnd(table, index); // the next status interval
    long[] h = tcp.pod(podA).cwndHistogram();
    assertThat(h).hasSize(TcpCollector.CWND_BUCKETS);
    assertThat(h[0]).isEqualTo(2);
    assertThat(h[4]).isEqualTo(2);
    assertThat(h[TcpCollector.CWND_BUCKETS - 1]).isEqualTo(2);
    assertThat(Arrays.stream(h).sum()).isEqualTo(6);
    assertThat(tcp.pod(podA).cwndSum()).isEqualTo(2 * (10 + 1 + 5000));
  }

  private static TcpConnection connection(long cgroup, long cwnd, int state, long closedNanos) {
    return new TcpConnection(
        4,
        new byte[4],
        1,
        new byte[4],
        2,
        NODE_NETNS,
        cgroup,
        1,
        closedNanos,
        1,
        0,
        100,
        cwnd,
        state,
        false,
        true,
        7,
        7);
  }

  @Test
  void aCgroupFirstSeenBeforeItsPodIsMonitoredCountsOnlyWhatFollows() {
    tcp.collect(Map.of(100L, stats(7, 7, 7, 10)), Map.of(), TargetIndex.EMPTY, NODE_NETNS);
    tcp.collect(Map.of(100L, stats(9, 8, 7, 10)), Map.of(), index, NODE_NETNS);
    assertThat(tcp.pod(podA).get(TcpCollector.RETRANSMITS)).isEqualTo(2);
    assertThat(tcp.pod(podA).get(TcpCollector.OPENED)).isEqualTo(1);
  }

  @Test
  void dropsCountForPodsAndForTheNodesOwnNamespaceOnly() {
    DropKey podDrop = new DropKey(100, 1, 5, "TCP_CSUM");
    DropKey nodeDrop = new DropKey(0, NODE_NETNS, 3, "NO_SOCKET");
    DropKey otherNode = new DropKey(0, 1234, 3, "NO_SOCKET");
    DropKey otherPod = new DropKey(999, NODE_NETNS, 3, "NO_SOCKET");
    tcp.collect(
        Map.of(),
        Map.of(podDrop, 2L, nodeDrop, 5L, otherNode, 9L, otherPod, 9L),
        index,
        NODE_NETNS);
    tcp.collect(Map.of(), Map.of(podDrop, 3L, nodeDrop, 6L), index, NODE_NETNS);
    TcpCollector.Totals t = tcp.totals();
    assertThat(t.drops()).isEqualTo(9);
    assertThat(t.dropReasons())
        .extracting(e -> e.getKey() + "=" + e.getValue())
        .containsExactly("NO_SOCKET=6", "TCP_CSUM=3");
    tcp.forget(x -> x.equals(podA));
    assertThat(tcp.totals().drops()).isEqualTo(6);
    assertThat(tcp.pod(podA)).isNull();
  }

  @Test
  void dropsWithoutASocketInAPodsNamespaceAreThePods() {
    long podNetns = 4026532999L;
    TargetIndex withNetns = new TargetIndex(Map.of(100L, podA), Map.of(), Map.of(podNetns, podA));
    DropKey inPod = new DropKey(0, podNetns, 3, "NO_SOCKET");
    DropKey elsewhere = new DropKey(0, 4026533000L, 3, "NO_SOCKET");
    tcp.collect(Map.of(), Map.of(inPod, 4L, elsewhere, 7L), withNetns, NODE_NETNS);
    tcp.collect(Map.of(), Map.of(inPod, 25L, elsewhere, 9L), withNetns, NODE_NETNS);
    assertThat(tcp.totals().drops()).isEqualTo(25);
    tcp.forget(x -> x.equals(podA));
    assertThat(tcp.totals().drops()).isZero();
  }
}
