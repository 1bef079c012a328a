package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The low-level handles: errors carry the operation and errno, close is idempotent. */
class BpfObjectIT {
  @BeforeAll
  static void require() {
    KernelSupport.require();
  }

  @Test
  void garbageElfIsRefusedWithOperationAndErrno() {
    BpfException e =
        assertThrows(BpfException.class, () -> BpfObject.open(new byte[] {1, 2, 3}, "junk"));
    assertEquals("bpf_object__open_mem", e.operation());
    assertTrue(e.errno() > 0, e.getMessage());
  }

  @Test
  void unknownNamesAreEnoent() {
    try (BpfObject o = BpfObject.openResource(FlowLayout.RESOURCE, "tm_names")) {
      BpfException e = assertThrows(BpfException.class, () -> o.setMaxEntries("nope", 1));
      assertEquals(2, e.errno());
      e = assertThrows(BpfException.class, () -> o.setGlobal("nope", new byte[1]));
      assertEquals(2, e.errno());
      e = assertThrows(BpfException.class, () -> o.setGlobal("cfg_histograms", new byte[4]));
      assertEquals(22, e.errno(), "size mismatch");
      o.load();
      assertThrows(BpfException.class, () -> o.program("nope"));
      o.close();
      o.close();
      assertThrows(BpfException.class, () -> o.map(FlowLayout.MAP_FLOWS));
    }
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
      assertEquals(0, dp.evictIdle(java.time.Duration.ofHours(1), (k, s) -> {}));
      Thread.sleep(20);
      int evicted = dp.evictIdle(java.time.Duration.ofMillis(10), (k, s) -> bytes[0] += s.bytes());
      assertEquals(8, evicted);
      assertEquals(8 * 29, bytes[0], "final counters handed over");
      assertEquals(0, Flows.read(dp).size());
    }
  }
}
