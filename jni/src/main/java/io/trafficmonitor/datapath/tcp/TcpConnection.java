package io.trafficmonitor.datapath.tcp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One entry of the connection table: a TCP socket's latest health, keyed like the flow map (16-byte
 * addresses in network order, IPv4 and dual-stack sockets talking IPv4 as IPv4-mapped with family
 * 4, ports in host order) from the socket's own view: local and remote. To join onto flows, match
 * (local, localPort, remote, remotePort) against (source, sourcePort, destination, destinationPort)
 * of egress flows and the reverse for ingress flows.
 *
 * @param netns inode of the socket's network namespace (as {@code stat -L /proc/PID/ns/net})
 * @param cgroupId cgroup v2 id of the socket
 * @param establishedNanos CLOCK_MONOTONIC time it became ESTABLISHED (comparable with {@link
 *     System#nanoTime()}); 0 when established before the programs were attached
 * @param closedNanos time it reached CLOSE, 0 while open
 * @param updatedNanos time of its last event
 * @param retransmittedSegments segments retransmitted since it was first seen
 * @param srttMicros latest smoothed RTT (sampled when a segment arrives)
 * @param cwnd latest congestion window (segments)
 * @param state TCP state number (1 ESTABLISHED ... 7 CLOSE ... 11 CLOSING), see {@link
 *     #stateName()}
 * @param passive opened by accept
 * @param windowScaling window scaling negotiated (both SYNs offered it); false also when the
 *     connection was established before the programs were attached (the scales are not known)
 * @param sendScale the peer's window scale (shift of the windows it advertises), 0 without scaling
 * @param receiveScale the socket's own window scale, 0 without scaling
 */
public record TcpConnection(
    int family,
    byte[] local,
    int localPort,
    byte[] remote,
    int remotePort,
    long netns,
    long cgroupId,
    long establishedNanos,
    long closedNanos,
    long updatedNanos,
    long retransmittedSegments,
    long srttMicros,
    long cwnd,
    int state,
    boolean passive,
    boolean windowScaling,
    int sendScale,
    int receiveScale) {

  private static final String[] STATES = {
    "UNKNOWN",
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING",
    "NEW_SYN_RECV"
  };

  public static final int ESTABLISHED = 1;
  public static final int CLOSE = 7;

  static TcpConnection decode(ByteBuffer k, int ko, ByteBuffer v, int vo) {
    byte[] local = new byte[16];
    byte[] remote = new byte[16];
    k.get(ko + TcpLayout.CONN_KEY_LOCAL, local);
    k.get(ko + TcpLayout.CONN_KEY_REMOTE, remote);
    return new TcpConnection(
        k.get(ko + TcpLayout.CONN_KEY_FAMILY),
        local,
        Short.toUnsignedInt(k.getShort(ko + TcpLayout.CONN_KEY_LOCAL_PORT)),
        remote,
        Short.toUnsignedInt(k.getShort(ko + TcpLayout.CONN_KEY_REMOTE_PORT)),
        Integer.toUnsignedLong(k.getInt(ko + TcpLayout.CONN_KEY_NETNS)),
        v.getLong(vo + TcpLayout.CONN_CGROUP),
        v.getLong(vo + TcpLayout.CONN_ESTABLISHED),
        v.getLong(vo + TcpLayout.CONN_CLOSED),
        v.getLong(vo + TcpLayout.CONN_UPDATED),
        v.getLong(vo + TcpLayout.CONN_RETRANS_SEGS),
        Integer.toUnsignedLong(v.getInt(vo + TcpLayout.CONN_SRTT_US)),
        Integer.toUnsignedLong(v.getInt(vo + TcpLayout.CONN_SND_CWND)),
        Byte.toUnsignedInt(v.get(vo + TcpLayout.CONN_STATE)),
        (v.get(vo + TcpLayout.CONN_FLAGS) & TcpLayout.CONN_F_PASSIVE) != 0,
        (v.get(vo + TcpLayout.CONN_FLAGS) & TcpLayout.CONN_F_WSCALE) != 0,
        Byte.toUnsignedInt(v.get(vo + TcpLayout.CONN_SND_WSCALE)),
        Byte.toUnsignedInt(v.get(vo + TcpLayout.CONN_RCV_WSCALE)));
  }

  public InetAddress localAddress() {
    return address(family, local);
  }

  public InetAddress remoteAddress() {
    return address(family, remote);
  }

  /** A 16-byte key address: IPv4-mapped for family 4 (as in the flow map's keys). */
  private static InetAddress address(int family, byte[] a) {
    try {
      return InetAddress.getByAddress(family == 4 ? Arrays.copyOfRange(a, 12, 16) : a);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean isClosed() {
    return state == CLOSE;
  }

  public String stateName() {
    return state < STATES.length ? STATES[state] : "STATE_" + state;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TcpConnection c
        && family == c.family
        && Arrays.equals(local, c.local)
        && localPort == c.localPort
        && Arrays.equals(remote, c.remote)
        && remotePort == c.remotePort
        && netns == c.netns
        && cgroupId == c.cgroupId
        && establishedNanos == c.establishedNanos
        && closedNanos == c.closedNanos
        && updatedNanos == c.updatedNanos
        && retransmittedSegments == c.retransmittedSegments
        && srttMicros == c.srttMicros
        && cwnd == c.cwnd
        && state == c.state
        && passive == c.passive
        && windowScaling == c.windowScaling
        && sendScale == c.sendScale
        && receiveScale == c.receiveScale;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(local) + Arrays.hashCode(remote))
        + localPort * 65536
        + remotePort;
  }

  @Override
  public String toString() {
    return String.format(
        "TcpConnection[%s:%d -> %s:%d netns=%d cgroup=%d %s%s srtt=%dus cwnd=%d retrans=%d"
            + " established=%d closed=%d wscale=%s]",
        localAddress().getHostAddress(),
        localPort,
        remoteAddress().getHostAddress(),
        remotePort,
        netns,
        cgroupId,
        stateName(),
        passive ? " passive" : "",
        srttMicros,
        cwnd,
        retransmittedSegments,
        establishedNanos,
        closedNanos,
        windowScaling ? sendScale + "," + receiveScale : "none");
  }
}
