package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlowFolderTest {
  private static void copy(ByteBuffer b, int off, long packets, long first, long last, int flags) {
    b.putLong(off + FlowLayout.STATS_BYTES, packets * 100);
    b.putLong(off + FlowLayout.STATS_PACKETS, packets);
    b.putLong(off + FlowLayout.STATS_PAYLOAD_BYTES, packets * 72);
    b.putLong(off + FlowLayout.STATS_FIRST_SEEN, first);
    b.putLong(off + FlowLayout.STATS_LAST_SEEN, last);
    b.putInt(off + FlowLayout.STATS_TCP_FLAGS, flags);
    b.putInt(off + FlowLayout.STATS_SIZE_HIST + 4 * 2, (int) packets);
    b.putInt(off + FlowLayout.STATS_SIZE_HIST + 4 * 7, -1); // 2^32 - 1: wraps when summed
  }

  @Test
  void perCpuCopiesFoldIntoOneValue() {
    int cpus = 3;
    ByteBuffer in =
        ByteBuffer.allocateDirect(2 * cpus * FlowLayout.VALUE_SIZE).order(ByteOrder.nativeOrder());
    // flow 0: CPU 0 and 2 saw packets, CPU 1's copy is empty (zeroed when CPU 0 created it)
    copy(in, 0, 5, 2000, 9000, 0x02);
    copy(in, 2 * FlowLayout.VALUE_SIZE, 7, 1000, 8000, 0x10);
    // flow 1: only CPU 1
    copy(in, (cpus + 1) * FlowLayout.VALUE_SIZE, 3, 500, 600, 0x01);
    FlowFolder folder = new FlowFolder(cpus, 2);
    FlowStats[] out = new FlowStats[2];
    folder
        .folding(
            (keys, values, n) -> {
              for (int i = 0; i < n; i++) {
                out[i] = FlowStats.decode(values, i * FlowLayout.STATS_SIZE);
              }
            },
            Map.of())
        .accept(ByteBuffer.allocate(0), in, 2);
    assertEquals(12, out[0].packets());
    assertEquals(1200, out[0].bytes());
    assertEquals(12 * 72, out[0].payloadBytes());
    assertEquals(1000, out[0].firstSeenNanos(), "earliest copy that saw a packet");
    assertEquals(9000, out[0].lastSeenNanos(), "latest");
    assertEquals(0x12, out[0].tcpFlags());
    assertEquals(12, out[0].sizes().buckets()[2]);
    assertEquals((2 * 0xffffffffL) & 0xffffffffL, out[0].sizes().buckets()[7], "u32 wraps");
    assertEquals(0, out[0].intervals(), "no jitter state");
    assertEquals(3, out[1].packets());
    assertEquals(500, out[1].firstSeenNanos());
    assertEquals(0x01, out[1].tcpFlags());
  }

  @Test
  void autoKeepsValuesPerCpuWhileTheyFitTheBudget() {
    FlowDatapath.Options d = FlowDatapath.Options.defaults(); // 65536 flows x 80 bytes per CPU
    assertTrue(d.perCpu(2));
    assertTrue(d.perCpu(6));
    assertFalse(d.perCpu(7), "7 x 5 MiB > 32 MiB");
    assertTrue(d.withMaxFlows(4096).perCpu(64));
    assertFalse(d.withValueMode(FlowDatapath.ValueMode.SHARED).perCpu(1));
    assertTrue(d.withValueMode(FlowDatapath.ValueMode.PER_CPU).perCpu(512));
  }
}
