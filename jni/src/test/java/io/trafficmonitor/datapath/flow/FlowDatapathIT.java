package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.BpfProgram;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelSupport;
import io.trafficmonitor.bpf.Packets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Load-time options of the flow datapath: map sizes, globals, the clock; a full map. */
class FlowDatapathIT {
  @BeforeAll
  static void require() {
    KernelSupport.require();
  }

  @Test
  void rodataAndMapSizeAreApplied() {
    try (FlowDatapath dp =
        FlowDatapath.open(
            FlowDatapath.Options.defaults().withMaxFlows(1000).withHistograms(false))) {
      assertEquals(1000, dp.maxFlows());
      byte[] frame =
          Packets.eth(0x0800, Packets.ipv4(17, "10.9.0.1", "10.9.0.2", Packets.udp(1, 2, 3)));
      dp.object().program(FlowLayout.PROG_TC_EGRESS).testRun(frame, 1);
      assertEquals(1, Flows.read(dp).size());
      assertEquals(0, dp.histogram(TargetKind.TC, 1, Direction.EGRESS).total(), "histograms off");
    }
  }

  @Test
  void preciseTimestampsLoadAndTick() {
    try (FlowDatapath dp =
        FlowDatapath.open(FlowDatapath.Options.defaults().withPreciseTimestamps(true))) {
      long t0 = System.nanoTime();
      byte[] frame =
          Packets.eth(0x0800, Packets.ipv4(17, "10.9.0.1", "10.9.0.2", Packets.udp(5, 6, 7)));
      dp.object().program(FlowLayout.PROG_TC_INGRESS).testRun(frame, 1);
      FlowStats s = Flows.one(dp, k -> k.sourcePort() == 5);
      assertTrue(s.firstSeenNanos() >= t0 && s.lastSeenNanos() <= System.nanoTime());
    }
  }

  @Test
  void mapFullIsCountedAndIdleFlowsEvicted() throws Exception {
    try (FlowDatapath dp = FlowDatapath.open(FlowDatapath.Options.defaults().withMaxFlows(8))) {
      BpfProgram p = dp.object().program(FlowLayout.PROG_TC_EGRESS);
      for (int port = 1; port <= 12; port++) {
        p.testRun(
            Packets.eth(0x0800, Packets.ipv4(17, "10.9.0.1", "10.9.0.2", Packets.udp(port, 9, 1))),
            1);
      }
      assertEquals(8, Flows.read(dp).size());
      assertEquals(4, dp.counters().mapFull());
      long[] bytes = {0};
      assertEquals(0, dp.evictIdle(Duration.ofHours(1), (k, s) -> {}));
      Thread.sleep(20);
      int evicted = dp.evictIdle(Duration.ofMillis(10), (k, s) -> bytes[0] += s.bytes());
      assertEquals(8, evicted);
      assertEquals(8 * 29, bytes[0], "final counters handed over");
      assertEquals(0, Flows.read(dp).size());
    }
  }
}
