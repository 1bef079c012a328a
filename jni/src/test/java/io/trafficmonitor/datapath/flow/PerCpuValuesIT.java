package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelSupport;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.TestNetwork;
import io.trafficmonitor.bpf.Traffic;
import io.trafficmonitor.bpf.TrafficTool;
import io.trafficmonitor.testing.Sh;
import java.net.DatagramSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One flow whose packets are sent from every CPU in turn (one sender process pinned to each): with
 * per-CPU values every CPU adds to its own copy, and the read folds them into exactly what was
 * sent; with shared values the atomic adds give the same figures.
 */
class PerCpuValuesIT {
  private static final int SIZE = 100;
  private static TestNetwork net;

  @BeforeAll
  static void setUp() {
    KernelSupport.require();
    net = new TestNetwork("pc");
  }

  @AfterAll
  static void tearDown() {
    if (net != null) {
      net.close();
    }
  }

  /** Sends count datagrams of SIZE bytes from ipA:sport, in netns a, pinned to one CPU. */
  private static void sendFromCpu(int cpu, int sport, int dport, int count) {
    Sh.ok(
        String.format(
            "taskset -c %d nsenter --net=%s %s",
            cpu,
            net.pathA(),
            TrafficTool.commandLine(
                String.format(
                    "udp %s %d %s %d %d %d", net.ipA, sport, net.ipB, dport, count, SIZE))));
  }

  @ParameterizedTest
  @EnumSource(
      value = FlowDatapath.ValueMode.class,
      names = {"PER_CPU", "SHARED"})
  void aFlowSentFromEveryCpuIsCountedExactly(FlowDatapath.ValueMode mode) throws Exception {
    int cpus = Math.min(BpfMap.possibleCpus(), 4);
    int sport = mode == FlowDatapath.ValueMode.PER_CPU ? 7100 : 7200;
    int dport = sport + 1;
    try (FlowDatapath dp = FlowDatapath.open(FlowDatapath.Options.defaults().withValueMode(mode));
        DatagramSocket rx = Traffic.udpSocket(net.pathB(), net.ipB, dport)) {
      assertEquals(mode == FlowDatapath.ValueMode.PER_CPU, dp.perCpuValues());
      int ifA = net.ifindexA();
      NetNs.callIn(net.pathA(), () -> dp.attachInterface(ifA, Direction.EGRESS));
      long sent = 0;
      for (int cpu = 0; cpu < cpus; cpu++) {
        int count = 40 + 7 * cpu;
        sendFromCpu(cpu, sport, dport, count);
        sent += count;
      }
      var flow =
          Flows.udp(net.ipA, sport, net.ipB, dport)
              .and(k -> k.target() == ifA && k.direction() == Direction.EGRESS);
      FlowStats s = Flows.one(dp, flow);
      assertEquals(sent, s.packets(), "packets");
      assertEquals(sent * (SIZE + 28), s.bytes(), "L3 bytes");
      assertEquals(sent * SIZE, s.payloadBytes(), "payload bytes");
      assertEquals(sent, s.sizes().buckets()[SizeHistogram.bucketOf(SIZE + 28)], "histogram");
      assertTrue(0 < s.firstSeenNanos() && s.firstSeenNanos() <= s.lastSeenNanos());

      if (mode == FlowDatapath.ValueMode.PER_CPU && cpus > 1) {
        assertTrue(cpusWithPackets(dp, flow) > 1, "the senders ran on more than one CPU");
      }
      // eviction hands over the folded total once, and the flow is gone
      List<FlowStats> evicted = new ArrayList<>();
      dp.evictIdle(Duration.ZERO, (k, v) -> evicted.add(v));
      long total = sent;
      assertEquals(1, evicted.stream().filter(v -> v.packets() == total).count(), "" + evicted);
      assertFalse(Flows.read(dp).stream().map(Map.Entry::getKey).anyMatch(flow));
    }
  }

  /** How many CPU copies of the flow's value counted packets. */
  private static int cpusWithPackets(FlowDatapath dp, Predicate<FlowKey> flow) {
    BpfMap map = dp.object().map(FlowLayout.MAP_FLOWS);
    int[] n = {0};
    BpfMap.BatchReader raw = map.batchReader(64);
    raw.read(
        (keys, values, count) -> {
          for (int i = 0; i < count; i++) {
            if (flow.test(FlowKey.decode(keys, i * FlowLayout.KEY_SIZE))) {
              for (int c = 0; c < map.cpus(); c++) {
                int o = i * map.valueStride() + c * FlowLayout.VALUE_SIZE;
                if (values.getLong(o + FlowLayout.STATS_PACKETS) > 0) {
                  n[0]++;
                }
              }
            }
          }
        });
    return n[0];
  }
}
