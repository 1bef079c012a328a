package io.trafficmonitor.datapath.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class TcpLayoutTest {
  @Test
  void log2BucketsAsTheProgramComputesThem() {
    assertEquals(0, CgroupTcpStats.bucketOf(0));
    assertEquals(0, CgroupTcpStats.bucketOf(1));
    assertEquals(1, CgroupTcpStats.bucketOf(2));
    assertEquals(1, CgroupTcpStats.bucketOf(3));
    assertEquals(16, CgroupTcpStats.bucketOf(100_000));
    assertEquals(31, CgroupTcpStats.bucketOf(1L << 31));
    assertEquals(31, CgroupTcpStats.bucketOf(1L << 40));
  }

  @Test
  void connectionDecodes() {
    ByteBuffer k = ByteBuffer.allocate(TcpLayout.CONN_KEY_SIZE).order(ByteOrder.nativeOrder());
    k.put(TcpLayout.CONN_KEY_LOCAL + 10, (byte) -1).put(TcpLayout.CONN_KEY_LOCAL + 11, (byte) -1);
    k.put(TcpLayout.CONN_KEY_LOCAL + 12, new byte[] {10, 0, 0, 1});
    k.put(TcpLayout.CONN_KEY_REMOTE + 10, (byte) -1).put(TcpLayout.CONN_KEY_REMOTE + 11, (byte) -1);
    k.put(TcpLayout.CONN_KEY_REMOTE + 12, new byte[] {10, 0, 0, 2});
    k.putShort(TcpLayout.CONN_KEY_LOCAL_PORT, (short) 50000);
    k.putShort(TcpLayout.CONN_KEY_REMOTE_PORT, (short) 443);
    k.put(TcpLayout.CONN_KEY_FAMILY, (byte) 4);
    k.putInt(TcpLayout.CONN_KEY_NETNS, 0xf0000001);
    ByteBuffer v = ByteBuffer.allocate(TcpLayout.CONN_SIZE).order(ByteOrder.nativeOrder());
    v.putLong(TcpLayout.CONN_CGROUP, 77).putLong(TcpLayout.CONN_ESTABLISHED, 5);
    v.putLong(TcpLayout.CONN_RETRANS_SEGS, 3).putInt(TcpLayout.CONN_SRTT_US, 250);
    v.putInt(TcpLayout.CONN_SND_CWND, 10).put(TcpLayout.CONN_STATE, (byte) 1);
    v.put(TcpLayout.CONN_FLAGS, (byte) (TcpLayout.CONN_F_PASSIVE | TcpLayout.CONN_F_WSCALE));
    v.put(TcpLayout.CONN_SND_WSCALE, (byte) 7).put(TcpLayout.CONN_RCV_WSCALE, (byte) 2);
    TcpConnection c = TcpConnection.decode(k, 0, v, 0);
    assertEquals("10.0.0.1", c.localAddress().getHostAddress());
    assertEquals("10.0.0.2", c.remoteAddress().getHostAddress());
    assertEquals(50000, c.localPort());
    assertEquals(443, c.remotePort());
    assertEquals(0xf0000001L, c.netns());
    assertEquals(77, c.cgroupId());
    assertEquals(3, c.retransmittedSegments());
    assertEquals(250, c.srttMicros());
    assertEquals(10, c.cwnd());
    assertEquals("ESTABLISHED", c.stateName());
    assertTrue(c.passive());
    assertTrue(c.windowScaling());
    assertEquals(7, c.sendScale());
    assertEquals(2, c.receiveScale());
  }

  @Test
  void cgroupStatsDecode() {
    ByteBuffer b = ByteBuffer.allocate(TcpLayout.CG_SIZE).order(ByteOrder.nativeOrder());
    b.putLong(TcpLayout.CG_OPENED_ACTIVE, 3).putLong(TcpLayout.CG_OPENED_PASSIVE, 2);
    b.putLong(TcpLayout.CG_CLOSED, 4).putLong(TcpLayout.CG_DURATION_SUM_US, 400);
    b.putLong(TcpLayout.CG_DURATION_HIST + 8 * 6, 4);
    b.putLong(TcpLayout.CG_RTT_HIST + 8 * 31, 1);
    CgroupTcpStats s = CgroupTcpStats.decode(b, 0);
    assertEquals(5, s.opened());
    assertEquals(1, s.open());
    assertEquals(100.0, s.meanDurationMicros());
    assertEquals(4, s.durationHistogram()[6]);
    assertEquals(1, s.rttHistogram()[31]);
    assertEquals(WindowStats.NONE, s.window());
  }

  @Test
  void windowStatsDecode() {
    ByteBuffer b = ByteBuffer.allocate(TcpLayout.CG_SIZE).order(ByteOrder.nativeOrder());
    b.putLong(TcpLayout.CG_DURATION_HIST + 8 * 31, 9); // the field before: not read as window
    b.putLong(TcpLayout.CG_ZERO_WND_PEER, 3).putLong(TcpLayout.CG_ZERO_WND_LOCAL, 2);
    b.putLong(TcpLayout.CG_RWND_LIMITED, 5);
    b.putLong(TcpLayout.CG_WSCALE_CONNS + 8 * 7, 4);
    b.putLong(TcpLayout.CG_WSCALE_CONNS + 8 * TcpLayout.WSCALE_NONE, 1);
    WindowStats w = CgroupTcpStats.decode(b, 0).window();
    assertEquals(3, w.zeroWindowPeer());
    assertEquals(2, w.zeroWindowLocal());
    assertEquals(5, w.windowLimited());
    assertEquals(4, w.scaleConnections()[7]);
    assertEquals(1, w.scaleConnections()[TcpLayout.WSCALE_NONE]);
    assertEquals("none", WindowStats.scaleLabel(TcpLayout.WSCALE_NONE));
    assertEquals("14", WindowStats.scaleLabel(14));
  }
}
