package io.trafficmonitor.datapath.tcp;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Flow control of one cgroup's sockets, cumulative since {@link TcpHealth} was loaded. The events
 * are seen at {@code tcp_probe} (a segment received on an established socket, before it is
 * processed) and count transitions: a socket entering the state counts once, however many segments
 * arrive while it stays there.
 *
 * @param zeroWindowPeer times a socket's peer advertised a zero receive window ({@code snd_wnd}
 *     became 0): the pod's sends had to stop
 * @param zeroWindowLocal times a socket advertised a zero receive window itself ({@code rcv_wnd}
 *     became 0): the pod did not read fast enough
 * @param windowLimited times a socket's sending became limited by the peer's receive window (the
 *     kernel's rwnd-limited chrono started, as {@code tcpi_rwnd_limited} measures it)
 * @param scaleConnections connections established, by the socket's own receive window scale ({@code
 *     rcv_wscale}, the shift of the windows it advertises): index 0..14, and {@value
 *     TcpLayout#WSCALE_NONE} for connections without window scaling
 */
public record WindowStats(
    long zeroWindowPeer, long zeroWindowLocal, long windowLimited, long[] scaleConnections) {
  /** Nothing recorded. */
  public static final WindowStats NONE =
      new WindowStats(0, 0, 0, new long[TcpLayout.WSCALE_BUCKETS]);

  static WindowStats decode(ByteBuffer b, int off) {
    long[] scales = new long[TcpLayout.WSCALE_BUCKETS];
    for (int i = 0; i < scales.length; i++) {
      scales[i] = b.getLong(off + TcpLayout.CG_WSCALE_CONNS + 8 * i);
    }
    return new WindowStats(
        b.getLong(off + TcpLayout.CG_ZERO_WND_PEER),
        b.getLong(off + TcpLayout.CG_ZERO_WND_LOCAL),
        b.getLong(off + TcpLayout.CG_RWND_LIMITED),
        scales);
  }

  /** The label of a scale bucket: the shift ("0".."14"), or "none" without window scaling. */
  public static String scaleLabel(int bucket) {
    return bucket == TcpLayout.WSCALE_NONE ? "none" : Integer.toString(bucket);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WindowStats w
        && zeroWindowPeer == w.zeroWindowPeer
        && zeroWindowLocal == w.zeroWindowLocal
        && windowLimited == w.windowLimited
        && Arrays.equals(scaleConnections, w.scaleConnections);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(zeroWindowPeer + 7 * zeroWindowLocal + 13 * windowLimited)
        + 31 * Arrays.hashCode(scaleConnections);
  }

  @Override
  public String toString() {
    return String.format(
        "window[zero peer=%d local=%d, limited=%d, scales=%s]",
        zeroWindowPeer, zeroWindowLocal, windowLimited, Arrays.toString(scaleConnections));
  }
}
