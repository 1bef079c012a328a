package io.trafficmonitor.datapath.tcp;

/**
 * Byte layouts of the TCP health maps: the mirror of {@code bpf/lib/tcp_types.h} and {@code
 * bpf/lib/events.h} (change them together). Integers in host (little-endian) order, addresses in
 * network order, IPv4 as IPv4-mapped IPv6.
 */
public final class TcpLayout {
  private TcpLayout() {}

  public static final String RESOURCE = "/io/trafficmonitor/bpf/progs/tcp_events.bpf.o";

  public static final int HIST_BUCKETS = 32;

  /** Window scale buckets of tcp_cg_stats.wscale_conns: shifts 0..14, then {@link #WSCALE_NONE}. */
  public static final int WSCALE_BUCKETS = 16;

  /** The bucket of connections without window scaling. */
  public static final int WSCALE_NONE = 15;

  /** struct tcp_cg_stats (744 bytes), value of tcp_cgroups (key: __u64 cgroup id). */
  public static final int CG_SIZE = 744;

  public static final int CG_RETRANS_SEGS = 0;
  public static final int CG_SYNACK_RETRANS = 8;
  public static final int CG_RTT_SAMPLES = 16;
  public static final int CG_RTT_SUM_US = 24;
  public static final int CG_OPENED_ACTIVE = 32;
  public static final int CG_OPENED_PASSIVE = 40;
  public static final int CG_CLOSED = 48;
  public static final int CG_DURATION_SUM_US = 56;
  public static final int CG_STATE_CHANGES = 64;
  public static final int CG_FAILED_ACTIVE = 72;
  public static final int CG_RTT_HIST = 80;
  public static final int CG_DURATION_HIST = 336;
  public static final int CG_ZERO_WND_PEER = 592;
  public static final int CG_ZERO_WND_LOCAL = 600;
  public static final int CG_RWND_LIMITED = 608;
  public static final int CG_WSCALE_CONNS = 616;

  /** struct tcp_conn_key (48 bytes). */
  public static final int CONN_KEY_SIZE = 48;

  public static final int CONN_KEY_LOCAL = 0;
  public static final int CONN_KEY_REMOTE = 16;
  public static final int CONN_KEY_LOCAL_PORT = 32; // __u16
  public static final int CONN_KEY_REMOTE_PORT = 34; // __u16
  public static final int CONN_KEY_FAMILY = 36; // __u8 4 or 6
  public static final int CONN_KEY_NETNS = 40; // __u32

  /** struct tcp_conn (56 bytes). */
  public static final int CONN_SIZE = 56;

  public static final int CONN_CGROUP = 0;
  public static final int CONN_ESTABLISHED = 8;
  public static final int CONN_CLOSED = 16;
  public static final int CONN_UPDATED = 24;
  public static final int CONN_RETRANS_SEGS = 32;
  public static final int CONN_SRTT_US = 40; // __u32
  public static final int CONN_SND_CWND = 44; // __u32
  public static final int CONN_STATE = 48; // __u8
  public static final int CONN_FLAGS = 49; // __u8
  public static final int CONN_SND_WSCALE = 50; // __u8
  public static final int CONN_RCV_WSCALE = 51; // __u8
  public static final int CONN_F_PASSIVE = 1;
  public static final int CONN_F_WSCALE = 2;

  /** struct tcp_drop_key (16 bytes), value __u64. */
  public static final int DROP_KEY_SIZE = 16;

  public static final int DROP_KEY_CGROUP = 0;
  public static final int DROP_KEY_NETNS = 8; // __u32
  public static final int DROP_KEY_REASON = 12; // __u32

  /** enum tm_event: indexes of the per-CPU events array. */
  public static final int EV_RETRANSMIT = 0;

  public static final int EV_SOCK_STATE = 1;
  public static final int EV_SOCK_STATE_RAW = 2;
  public static final int EV_KFREE_SKB = 3;
  public static final int EV_TCP_PROBE = 4;
  public static final int EV_RETRANSMIT_SYNACK = 5;
  public static final int EV_LOST_CGROUP = 8;
  public static final int EV_LOST_DROP = 9;
  public static final int EV_LOST_CONN = 10;
  public static final int EV_LOST_STORAGE = 11;
  public static final int EV_MAX = 16;

  /** Map, program and global names in tcp_events.bpf.o. */
  public static final String MAP_EVENTS = "events";

  public static final String MAP_CGROUPS = "tcp_cgroups";
  public static final String MAP_CONNS = "tcp_conns";
  public static final String MAP_DROPS = "tcp_drops";
  public static final String PROG_RETRANSMIT = "tm_tcp_retransmit";
  public static final String PROG_RETRANSMIT_SYNACK = "tm_tcp_retransmit_synack";
  public static final String PROG_PROBE = "tm_tcp_probe";
  public static final String PROG_SOCK_STATE = "tm_sock_state";
  public static final String PROG_SOCK_STATE_RAW = "tm_sock_state_raw";
  public static final String PROG_KFREE_SKB = "tm_kfree_skb";
  public static final String GLOBAL_RETRANSMIT_ERR = "cfg_retransmit_err";
  public static final String GLOBAL_KFREE_RX_SK = "cfg_kfree_rx_sk";
  public static final String GLOBAL_CONN_INTERVAL_US = "cfg_conn_interval_us";
}
