/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Layouts of the TCP health maps (tcp_events.bpf.c), mirrored by
 * jni/src/main/java/io/trafficmonitor/datapath/tcp/TcpLayout.java: change both together.
 * Integers are host order (little-endian), addresses network order, IPv4 as IPv4-mapped IPv6.
 * Needs __u8.. __u64 (vmlinux.h or linux/types.h) from the includer.
 * Below each struct user space reads, its size and every offset user space uses are
 * _Static_asserts naming the TcpLayout constant that mirrors them; jni's LayoutContractTest
 * compares each with that constant (__builtin_offsetof: libbpf's offsetof is not a constant).
 */
#ifndef TM_TCP_TYPES_H
#define TM_TCP_TYPES_H

/* log2 buckets: bucket i counts values in [2^i, 2^(i+1)), bucket 0 also 0; the last is open. */
#define TM_TCP_HIST_BUCKETS 32
/* Window scale buckets: 0..14 (RFC 7323 caps the shift at 14), and TM_TCP_WSCALE_NONE. */
#define TM_TCP_WSCALE_BUCKETS 16
#define TM_TCP_WSCALE_NONE 15 /* window scaling not negotiated (one side did not offer it) */

/*
 * tcp_cgroups value (744 bytes), key: __u64 cgroup v2 id of the socket (0: none).
 * Cumulative since load; updated with atomic adds (a HASH shared by all CPUs).
 */
struct tcp_cg_stats {
	__u64 retrans_segs; /*   0: segments retransmitted, SYN-ACKs included (TcpRetransSegs) */
	__u64 synack_retrans; /*   8: of which SYN-ACK retransmissions of a listener */
	__u64 rtt_samples; /*  16: tcp_probe events (srtt samples) */
	__u64 rtt_sum_us; /*  24: sum of the sampled srtt, microseconds */
	__u64 opened_active; /*  32: SYN_SENT -> ESTABLISHED */
	__u64 opened_passive; /*  40: SYN_RECV -> ESTABLISHED */
	__u64 closed; /*  48: -> CLOSE of a connection seen established */
	__u64 duration_sum_us; /*  56: sum of established -> close, microseconds */
	__u64 state_changes; /*  64: inet_sock_set_state events of TCP sockets */
	__u64 failed_active; /*  72: SYN_SENT -> CLOSE (refused, timed out) */
	__u64 rtt_hist[TM_TCP_HIST_BUCKETS]; /*  80: srtt samples, log2 of microseconds */
	__u64 duration_hist[TM_TCP_HIST_BUCKETS]; /* 336: durations, log2 of microseconds */
	/*
	 * Flow control, seen at tcp_probe (a segment received on an established socket), counted
	 * as transitions of the socket into the state, not per segment (tcp_sk_state.wnd_flags).
	 */
	__u64 zero_wnd_peer; /* 592: the peer's advertised window became 0 (snd_wnd == 0) */
	__u64 zero_wnd_local; /* 600: the window the socket advertised became 0 (rcv_wnd == 0) */
	__u64 rwnd_limited; /* 608: sending became limited by the peer's window (chrono) */
	/* 616: connections established, by the socket's own receive window scale (rcv_wscale) */
	__u64 wscale_conns[TM_TCP_WSCALE_BUCKETS];
};

_Static_assert(sizeof(struct tcp_cg_stats) == 744, "TcpLayout.CG_SIZE");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, retrans_segs) == 0,
	       "TcpLayout.CG_RETRANS_SEGS");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, synack_retrans) == 8,
	       "TcpLayout.CG_SYNACK_RETRANS");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, rtt_samples) == 16,
	       "TcpLayout.CG_RTT_SAMPLES");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, rtt_sum_us) == 24,
	       "TcpLayout.CG_RTT_SUM_US");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, opened_active) == 32,
	       "TcpLayout.CG_OPENED_ACTIVE");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, opened_passive) == 40,
	       "TcpLayout.CG_OPENED_PASSIVE");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, closed) == 48, "TcpLayout.CG_CLOSED");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, duration_sum_us) == 56,
	       "TcpLayout.CG_DURATION_SUM_US");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, state_changes) == 64,
	       "TcpLayout.CG_STATE_CHANGES");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, failed_active) == 72,
	       "TcpLayout.CG_FAILED_ACTIVE");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, rtt_hist) == 80, "TcpLayout.CG_RTT_HIST");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, duration_hist) == 336,
	       "TcpLayout.CG_DURATION_HIST");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, zero_wnd_peer) == 592,
	       "TcpLayout.CG_ZERO_WND_PEER");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, zero_wnd_local) == 600,
	       "TcpLayout.CG_ZERO_WND_LOCAL");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, rwnd_limited) == 608,
	       "TcpLayout.CG_RWND_LIMITED");
_Static_assert(__builtin_offsetof(struct tcp_cg_stats, wscale_conns) == 616,
	       "TcpLayout.CG_WSCALE_CONNS");

/* tcp_conns key (48 bytes): the socket's own view, local and remote. */
struct tcp_conn_key {
	__u32 local[4]; /*  0: IPv4-mapped for IPv4 and for v4-mapped IPv6 sockets */
	__u32 remote[4]; /* 16 */
	__u16 local_port; /* 32: host order */
	__u16 remote_port; /* 34: host order */
	__u8 family; /* 36: 4 or 6 (6 only for real IPv6 addresses) */
	__u8 pad[3]; /* 37: zero */
	__u32 netns; /* 40: network namespace inode (ip netns identify / stat -L) */
	__u32 pad2; /* 44: zero */
};

_Static_assert(sizeof(struct tcp_conn_key) == 48, "TcpLayout.CONN_KEY_SIZE");
_Static_assert(__builtin_offsetof(struct tcp_conn_key, local) == 0, "TcpLayout.CONN_KEY_LOCAL");
_Static_assert(__builtin_offsetof(struct tcp_conn_key, remote) == 16, "TcpLayout.CONN_KEY_REMOTE");
_Static_assert(__builtin_offsetof(struct tcp_conn_key, local_port) == 32,
	       "TcpLayout.CONN_KEY_LOCAL_PORT");
_Static_assert(__builtin_offsetof(struct tcp_conn_key, remote_port) == 34,
	       "TcpLayout.CONN_KEY_REMOTE_PORT");
_Static_assert(__builtin_offsetof(struct tcp_conn_key, family) == 36, "TcpLayout.CONN_KEY_FAMILY");
_Static_assert(__builtin_offsetof(struct tcp_conn_key, netns) == 40, "TcpLayout.CONN_KEY_NETNS");

#define TM_CONN_F_PASSIVE 1 /* opened by accept (SYN_RECV -> ESTABLISHED) */
#define TM_CONN_F_WSCALE 2 /* window scaling negotiated (rx_opt.wscale_ok: both SYNs had it) */

/* tcp_conns value (56 bytes). Times: bpf_ktime_get_ns() = CLOCK_MONOTONIC. */
struct tcp_conn {
	__u64 cgroup; /*  0: cgroup v2 id of the socket */
	__u64 established_ns; /*  8: 0 when not seen established */
	__u64 closed_ns; /* 16: 0 while not closed */
	__u64 updated_ns; /* 24: last event */
	__u64 retrans_segs; /* 32 */
	__u32 srtt_us; /* 40: latest smoothed RTT (tcp_probe), microseconds */
	__u32 snd_cwnd; /* 44: latest congestion window, segments */
	__u8 state; /* 48: TCP_* of include/net/tcp_states.h (1 ESTABLISHED .. 7 CLOSE) */
	__u8 flags; /* 49: TM_CONN_F_* */
	__u8 snd_wscale; /* 50: the peer's window scale (shift of the windows it advertises) */
	__u8 rcv_wscale; /* 51: the socket's own window scale; both 0 without TM_CONN_F_WSCALE */
	__u8 pad[4]; /* 52 */
};

_Static_assert(sizeof(struct tcp_conn) == 56, "TcpLayout.CONN_SIZE");
_Static_assert(__builtin_offsetof(struct tcp_conn, cgroup) == 0, "TcpLayout.CONN_CGROUP");
_Static_assert(__builtin_offsetof(struct tcp_conn, established_ns) == 8,
	       "TcpLayout.CONN_ESTABLISHED");
_Static_assert(__builtin_offsetof(struct tcp_conn, closed_ns) == 16, "TcpLayout.CONN_CLOSED");
_Static_assert(__builtin_offsetof(struct tcp_conn, updated_ns) == 24, "TcpLayout.CONN_UPDATED");
_Static_assert(__builtin_offsetof(struct tcp_conn, retrans_segs) == 32,
	       "TcpLayout.CONN_RETRANS_SEGS");
_Static_assert(__builtin_offsetof(struct tcp_conn, srtt_us) == 40, "TcpLayout.CONN_SRTT_US");
_Static_assert(__builtin_offsetof(struct tcp_conn, snd_cwnd) == 44, "TcpLayout.CONN_SND_CWND");
_Static_assert(__builtin_offsetof(struct tcp_conn, state) == 48, "TcpLayout.CONN_STATE");
_Static_assert(__builtin_offsetof(struct tcp_conn, flags) == 49, "TcpLayout.CONN_FLAGS");
_Static_assert(__builtin_offsetof(struct tcp_conn, snd_wscale) == 50, "TcpLayout.CONN_SND_WSCALE");
_Static_assert(__builtin_offsetof(struct tcp_conn, rcv_wscale) == 51, "TcpLayout.CONN_RCV_WSCALE");

/* tcp_drops key (16 bytes), value: __u64 count. */
struct tcp_drop_key {
	__u64 cgroup; /* 0: cgroup v2 id of skb->sk (or the receiving socket), 0 if none */
	__u32 netns; /* 8: inode of the socket's netns, else of skb->dev's, else 0 */
	__u32 reason; /* 12: enum skb_drop_reason of the running kernel */
};

_Static_assert(sizeof(struct tcp_drop_key) == 16, "TcpLayout.DROP_KEY_SIZE");
_Static_assert(__builtin_offsetof(struct tcp_drop_key, cgroup) == 0, "TcpLayout.DROP_KEY_CGROUP");
_Static_assert(__builtin_offsetof(struct tcp_drop_key, netns) == 8, "TcpLayout.DROP_KEY_NETNS");
_Static_assert(__builtin_offsetof(struct tcp_drop_key, reason) == 12, "TcpLayout.DROP_KEY_REASON");

/* Per-socket state (sk storage, freed with the socket). */
struct tcp_sk_state {
	__u64 established_ns; /* 0 when not established (or established before attach) */
	__u64 cgroup; /* the socket's cgroup id, read once (a socket never changes cgroup) */
	__u64 conn_us; /* tcp_mstamp of the last tcp_probe copy into tcp_conns */
	__u32 retrans_seen; /* tcp_sock.total_retrans already counted */
	__u16 local_port; /* the kernel clears it before the CLOSE event */
	__u8 wnd_flags; /* TM_SK_WND_*: the flow-control states the socket is in (tcp_probe) */
	__u8 pad;
};

/* tcp_sk_state.wnd_flags */
#define TM_SK_WND_ZERO_PEER 1 /* snd_wnd == 0 */
#define TM_SK_WND_ZERO_LOCAL 2 /* rcv_wnd == 0 */
#define TM_SK_WND_RWND_LIMITED 4 /* chrono_type RWND_LIMITED (or SNDBUF_LIMITED after it) */

#endif /* TM_TCP_TYPES_H */
