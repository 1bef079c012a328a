package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.Direction;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowLayoutTest {
  private static byte[] v4(int a, int b, int c, int d) {
    return new byte[] {
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, (byte) a, (byte) b, (byte) c, (byte) d
    };
  }

  private static FlowKey key(int sport, int dport, int proto, Direction d) {
    return new FlowKey(
        v4(10, 1, 0, 1), v4(10, 1, 0, 2), sport, dport, proto, 4, TargetKind.CGROUP, 1L << 40, d);
  }

  @Test
  void keyRoundTripsThroughTheKernelLayout() {
    FlowKey k = key(65535, 443, 6, Direction.EGRESS);
    byte[] raw = k.encode();
    assertEquals(FlowLayout.KEY_SIZE, raw.length);
    FlowKey back = FlowKey.decode(ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()), 0);
    assertEquals(k, back);
    assertEquals(k.hashCode(), back.hashCode());
    assertEquals("10.1.0.1", back.sourceAddress().getHostAddress());
    assertEquals(2, raw[FlowLayout.KEY_KIND]);
    assertEquals(1, raw[FlowLayout.KEY_DIRECTION]);
  }

  @Test
  void statsDecode() {
    ByteBuffer b = ByteBuffer.allocate(FlowLayout.STATS_SIZE).order(ByteOrder.nativeOrder());
    b.putLong(FlowLayout.STATS_BYTES, 1500).putLong(FlowLayout.STATS_PACKETS, 2);
    b.putLong(FlowLayout.STATS_PAYLOAD_BYTES, 1444).putLong(FlowLayout.STATS_FIRST_SEEN, 5);
    b.putLong(FlowLayout.STATS_LAST_SEEN, 9).putInt(FlowLayout.STATS_TCP_FLAGS, 0x12);
    b.putInt(FlowLayout.STATS_FLAGS, FlowLayout.FLOW_F_FRAGMENT);
    b.putLong(FlowLayout.STATS_IAT_COUNT, 4).putLong(FlowLayout.STATS_IAT_SUM_NS, 4_000_000);
    b.putLong(FlowLayout.STATS_IAT_SUM_SQ_US, 4 * 1000 * 1000 + 4 * 100);
    b.putInt(FlowLayout.STATS_SIZE_HIST + 4 * 5, -1); // 2^32 - 1: counters are unsigned
    FlowStats s = FlowStats.decode(b, 0);
    long[] hist = new long[FlowLayout.HIST_BUCKETS];
    hist[5] = 0xffffffffL;
    assertEquals(
        new FlowStats(
            1500, 2, 1444, 5, 9, 0x12, 1, 4, 4_000_000, 4_000_400, new SizeHistogram(hist)),
        s);
    assertTrue(s.fragmented());
    assertEquals(1_000_000, s.meanInterArrivalNanos(), 1e-6);
    // intervals of 1000 us on average, sum of squares 4 * (1000^2 + 100): stddev 10 us
    assertEquals(10_000, s.jitterNanos(), 1e-6);
  }

  @Test
  void ruleMatchingInUserSpace() {
    FilterRule r =
        FilterRule.builder().destination("10.1.0.0/24").destinationPort("400-500").build();
    assertTrue(r.matches(key(1, 443, 17, Direction.INGRESS)));
    assertFalse(r.matches(key(1, 80, 17, Direction.INGRESS)));
    assertFalse(r.matches(key(1, 443, 47, Direction.INGRESS)), "no ports: no match");
    assertFalse(
        FilterRule.builder().source("fd00::/8").build().matches(key(1, 1, 6, Direction.EGRESS)));
    assertTrue(FilterRule.accounts(List.of(), key(1, 1, 6, Direction.EGRESS)));
    FilterRule ingressTcp = FilterRule.builder().protocol(6).direction(Direction.INGRESS).build();
    assertTrue(FilterRule.accounts(List.of(r, ingressTcp), key(1, 1, 6, Direction.INGRESS)));
    assertFalse(FilterRule.accounts(List.of(r, ingressTcp), key(1, 1, 6, Direction.EGRESS)));
  }
}
