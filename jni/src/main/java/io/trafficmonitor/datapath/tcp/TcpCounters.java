package io.trafficmonitor.datapath.tcp;

/**
 * Event counts of the TCP health programs and what they could not record, summed over CPUs.
 *
 * @param retransmitEvents tcp_retransmit_skb events
 * @param synAckRetransmitEvents tcp_retransmit_synack events
 * @param probeEvents tcp_probe events
 * @param stateEvents inet_sock_set_state events (all protocols)
 * @param dropEvents kfree_skb events
 * @param lostCgroup updates lost because tcp_cgroups was full
 * @param lostDrop drops not counted because tcp_drops was full
 * @param lostConnection connections not recorded (tcp_conns update failed)
 * @param lostStorage opens/closes not timed (socket storage not allocated)
 */
public record TcpCounters(
    long retransmitEvents,
    long synAckRetransmitEvents,
    long probeEvents,
    long stateEvents,
    long dropEvents,
    long lostCgroup,
    long lostDrop,
    long lostConnection,
    long lostStorage) {

  static TcpCounters of(long[] ev) {
    return new TcpCounters(
        ev[TcpLayout.EV_RETRANSMIT],
        ev[TcpLayout.EV_RETRANSMIT_SYNACK],
        ev[TcpLayout.EV_TCP_PROBE],
        ev[TcpLayout.EV_SOCK_STATE],
        ev[TcpLayout.EV_KFREE_SKB],
        ev[TcpLayout.EV_LOST_CGROUP],
        ev[TcpLayout.EV_LOST_DROP],
        ev[TcpLayout.EV_LOST_CONN],
        ev[TcpLayout.EV_LOST_STORAGE]);
  }

  /** Everything that could not be recorded. */
  public long lost() {
    return lostCgroup + lostDrop + lostConnection + lostStorage;
  }
}
