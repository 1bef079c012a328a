package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.testing.Sh;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** BTF (tp_btf) and raw tracepoints attach, fire and detach. */
class TracepointIT {
  private static TestNetwork net;

  @BeforeAll
  static void setUp() {
    KernelSupport.require();
    net = new TestNetwork("tp");
  }

  @AfterAll
  static void tearDown() {
    if (net != null) {
      net.close();
    }
  }

  private static long event(BpfMap events, int idx) {
    byte[] v = events.newValue();
    byte[] k = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(idx).array();
    events.lookup(k, v);
    ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
    long sum = 0;
    for (int cpu = 0; cpu < events.cpus(); cpu++) {
      sum += b.getLong(cpu * 8);
    }
    return sum;
  }

  @Test
  void btfAndRawTracepointsCountSocketStateChanges() throws Exception {
    try (BpfObject obj =
        BpfObject.openResource("/io/trafficmonitor/bpf/progs/tcp_events.bpf.o", "tm_events")) {
      obj.load();
      BpfLink btf = obj.program("tm_sock_state").attach();
      BpfLink raw = obj.program("tm_sock_state_raw").attachRawTracepoint("inet_sock_set_state");
      BpfLink retransmit = obj.program("tm_tcp_retransmit").attach();
      BpfLink drops = obj.program("tm_kfree_skb").attach();
      int progId = obj.program("tm_sock_state").stats().id();
      BpfMap events = obj.map("events");

      Traffic.tcpTransfer(net.pathA(), net.pathB(), net.ipB, 5400, 1000);
      long btfCount = event(events, 1);
      long rawCount = event(events, 2);
      assertTrue(btfCount >= 4, "SYN_SENT, ESTABLISHED, FIN_WAIT1, ... seen: " + btfCount);
      assertTrue(rawCount >= 4, "raw tracepoint: " + rawCount);

      for (BpfLink l : List.of(btf, raw, retransmit, drops)) {
        assertEquals(BpfLink.Kind.LINK, l.kind());
        l.close();
        l.close();
      }
      long after = event(events, 1);
      Traffic.tcpTransfer(net.pathA(), net.pathB(), net.ipB, 5401, 1000);
      assertEquals(after, event(events, 1), "detached: no more events");
      assertFalse(
          Sh.quiet("bpftool link show").lines().anyMatch(l -> l.contains("prog " + progId + " ")));
    }
  }
}
