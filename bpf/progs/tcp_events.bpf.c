// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TCP health and packet drops from BTF tracepoints (tp_btf; no kprobes), each attributed to the
 * cgroup v2 id of the socket (sk->sk_cgrp_data.cgroup->kn->id, read with CO-RE: the id is the
 * inode number of the cgroup directory). Maps and layouts: lib/events.h, lib/tcp_types.h.
 * The programs only read kernel state and never change what happens to traffic; what they
 * cannot record (a full map, no memory) is counted in events[TM_EV_LOST_*].
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "../lib/events.h"

#define TM_AF_INET 2
#define TM_AF_INET6 10
#define TM_IPPROTO_TCP 6
#define TM_TCP_ESTABLISHED 1
#define TM_TCP_SYN_SENT 2
#define TM_TCP_SYN_RECV 3
#define TM_TCP_TIME_WAIT 6
#define TM_TCP_CLOSE 7
#define TM_TCP_NEW_SYN_RECV 12

/* Load-time settings (user space reads the running kernel's tracepoint prototypes). */
const volatile __u8 cfg_retransmit_err = 0; /* tcp_retransmit_skb(sk, skb, int err) (6.12+) */
const volatile __u8 cfg_kfree_rx_sk = 0; /* kfree_skb(skb, location, reason, rx_sk) (6.12+) */
/* tcp_probe copies srtt/cwnd into tcp_conns at most once per interval per socket (0: always) */
const volatile __u32 cfg_conn_interval_us = 1000;

/* The initial value of a cgroup's entry (too large for the BPF stack). */
static const struct tcp_cg_stats zero_stats;

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 r = 0;

	if (v >> 32)
		return TM_TCP_HIST_BUCKETS - 1;
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r & (TM_TCP_HIST_BUCKETS - 1);
}

/* A request or timewait socket has no cgroup data. */
static __always_inline int sk_is_full(const struct sock *sk)
{
	__u8 st = sk->__sk_common.skc_state;

	return st != TM_TCP_TIME_WAIT && st != TM_TCP_NEW_SYN_RECV;
}

static __always_inline __u64 sk_cgroup(const struct sock *sk)
{
	struct cgroup *cg = sk->sk_cgrp_data.cgroup;
	__u64 id;

	if (!cg)
		return 0;
	id = cg->kn->id;
	/* keeps clang from merging this load with a map value load (the verifier rejects that) */
	barrier_var(id);
	return id;
}

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return sk->__sk_common.skc_net.net->ns.inum;
}

static __always_inline struct tcp_cg_stats *cg_stats(__u64 cg)
{
	struct tcp_cg_stats *s = bpf_map_lookup_elem(&tcp_cgroups, &cg);

	if (s)
		return s;
	bpf_map_update_elem(&tcp_cgroups, &cg, &zero_stats, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&tcp_cgroups, &cg);
	if (!s)
		bump(TM_EV_LOST_CGROUP);
	return s;
}

static __always_inline void conn_key(const struct sock *sk, struct tcp_conn_key *k)
{
	__u16 family = sk->__sk_common.skc_family;

	__builtin_memset(k, 0, sizeof(*k));
	k->local_port = sk->__sk_common.skc_num;
	k->remote_port = bpf_ntohs(sk->__sk_common.skc_dport);
	k->netns = sk_netns(sk);
	if (family == TM_AF_INET) {
		k->family = 4;
		k->local[2] = bpf_htonl(0xffff);
		k->local[3] = sk->__sk_common.skc_rcv_saddr;
		k->remote[2] = bpf_htonl(0xffff);
		k->remote[3] = sk->__sk_common.skc_daddr;
		return;
	}
	k->local[0] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[0];
	k->local[1] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[1];
	k->local[2] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[2];
	k->local[3] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[3];
	k->remote[0] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[0];
	k->remote[1] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[1];
	k->remote[2] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[2];
	k->remote[3] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[3];
	/* a dual-stack socket talking IPv4 is IPv4, as in the flow map */
	k->family = (k->remote[0] | k->remote[1]) == 0 && k->remote[2] == bpf_htonl(0xffff) ? 4 : 6;
}

/* The connection's entry; created (empty) when missing and create is set. */
static __always_inline struct tcp_conn *conn_get(const struct sock *sk, __u64 cg, int create)
{
	struct tcp_conn_key k;
	struct tcp_conn *c;
	struct tcp_conn v = {};

	conn_key(sk, &k);
	c = bpf_map_lookup_elem(&tcp_conns, &k);
	if (c || !create)
		return c;
	v.cgroup = cg;
	bpf_map_update_elem(&tcp_conns, &k, &v, BPF_NOEXIST);
	c = bpf_map_lookup_elem(&tcp_conns, &k);
	if (!c)
		bump(TM_EV_LOST_CONN);
	return c;
}

/* The socket's state; created (cgroup, port and retransmission baseline set) when missing. */
static __always_inline struct tcp_sk_state *sk_state(const struct sock *sk, __u32 total)
{
	struct tcp_sk_state *st = bpf_sk_storage_get(&tcp_sk, (void *)sk, 0, 0);
	struct tcp_sk_state init = {};

	if (st)
		return st;
	init.cgroup = sk_cgroup(sk);
	init.retrans_seen = total;
	init.local_port = sk->__sk_common.skc_num;
	st = bpf_sk_storage_get(&tcp_sk, (void *)sk, &init, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		bump(TM_EV_LOST_STORAGE);
	return st;
}

/* tcp_skb_pcount(skb): segments of a (GSO) skb. */
static __always_inline __u32 skb_pcount(const struct sk_buff *skb)
{
	__u16 segs = 0;
	unsigned long off = bpf_core_field_offset(struct sk_buff, cb) +
			    bpf_core_field_offset(struct tcp_skb_cb, tcp_gso_segs);

	bpf_probe_read_kernel(&segs, sizeof(segs), (void *)((unsigned long)skb + off));
	return segs ? segs : 1;
}

/*
 * Retransmitted segments, exactly as TcpRetransSegs counts them: the kernel adds the same number
 * to tcp_sock.total_retrans, so the program counts the growth of total_retrans since the last
 * event of the socket (kept in sk storage). The tracepoint also fires for attempts that did not
 * count (-EBUSY, no memory): they add nothing. A socket first seen here (connected before the
 * attach) counts this skb's segments when the retransmission succeeded.
 */
SEC("tp_btf/tcp_retransmit_skb")
int tm_tcp_retransmit(__u64 *ctx)
{
	const struct sock *sk = (void *)ctx[0];
	const struct sk_buff *skb = (void *)ctx[1];
	struct tcp_sk_state *st;
	struct tcp_cg_stats *s;
	struct tcp_conn *c;
	struct tcp_sock *tp;
	__u32 total, segs;
	__u64 cg;

	bump(TM_EV_RETRANSMIT);
	tp = bpf_skc_to_tcp_sock((void *)sk);
	if (!tp)
		return 0;
	total = tp->total_retrans;
	st = bpf_sk_storage_get(&tcp_sk, (void *)sk, 0, 0);
	if (st) {
		segs = total >= st->retrans_seen ? total - st->retrans_seen : total;
		st->retrans_seen = total;
	} else {
		int err = cfg_retransmit_err ? (int)ctx[2] : 0;

		segs = err == 0 ? skb_pcount(skb) : 0;
		st = sk_state(sk, total);
	}
	if (!segs)
		return 0;
	cg = st ? st->cgroup : sk_cgroup(sk);
	/* a connect retransmitting its SYN has its port now, not yet at SYN_SENT */
	if (st && !st->local_port)
		st->local_port = sk->__sk_common.skc_num;
	s = cg_stats(cg);
	if (s)
		__sync_fetch_and_add(&s->retrans_segs, segs);
	c = conn_get(sk, cg, 1);
	if (c) {
		__sync_fetch_and_add(&c->retrans_segs, segs);
		c->state = sk->__sk_common.skc_state;
		c->updated_ns = bpf_ktime_get_ns();
	}
	return 0;
}

/* A listener retransmitted a SYN-ACK (one segment, counted by the kernel in TcpRetransSegs). */
SEC("tp_btf/tcp_retransmit_synack")
int tm_tcp_retransmit_synack(__u64 *ctx)
{
	const struct sock *sk = (void *)ctx[0];
	struct tcp_cg_stats *s;

	bump(TM_EV_RETRANSMIT_SYNACK);
	s = cg_stats(sk_cgroup(sk));
	if (s) {
		__sync_fetch_and_add(&s->retrans_segs, 1);
		__sync_fetch_and_add(&s->synack_retrans, 1);
	}
	return 0;
}

/*
 * Flow control at a segment received (tcp_probe runs before the segment is processed, so it sees
 * the windows as the previous segments left them). Each state counts once when the socket enters
 * it, not per segment: the peer advertised a zero window (snd_wnd == 0), the socket advertised
 * one (rcv_wnd == 0: what tcp_select_window last sent), the kernel's own rwnd-limited chrono is
 * running (tcp_write_xmit found the peer's window too small for the next segment; the same
 * measure as tcp_info's tcpi_rwnd_limited). SNDBUF_LIMITED ranks above RWND_LIMITED in the
 * chrono, so a socket that was window-limited stays so while only the send buffer shows.
 * The common case (no change) costs three loads and one compare.
 */
static __always_inline void window_events(struct tcp_sock *tp, struct tcp_sk_state *st,
					  struct tcp_cg_stats *s)
{
	__u8 was = st->wnd_flags;
	__u8 now = 0, entered;
	__u8 chrono = BPF_CORE_READ_BITFIELD(tp, chrono_type);

	if (tp->snd_wnd == 0)
		now |= TM_SK_WND_ZERO_PEER;
	if (tp->rcv_wnd == 0)
		now |= TM_SK_WND_ZERO_LOCAL;
	if (chrono == TCP_CHRONO_RWND_LIMITED ||
	    (chrono == TCP_CHRONO_SNDBUF_LIMITED && (was & TM_SK_WND_RWND_LIMITED)))
		now |= TM_SK_WND_RWND_LIMITED;
	if (now == was)
		return;
	st->wnd_flags = now;
	entered = now & ~was;
	if (!entered || !s)
		return;
	if (entered & TM_SK_WND_ZERO_PEER)
		__sync_fetch_and_add(&s->zero_wnd_peer, 1);
	if (entered & TM_SK_WND_ZERO_LOCAL)
		__sync_fetch_and_add(&s->zero_wnd_local, 1);
	if (entered & TM_SK_WND_RWND_LIMITED)
		__sync_fetch_and_add(&s->rwnd_limited, 1);
}

/*
 * Every segment received on an established socket: an srtt sample for the cgroup, flow-control
 * transitions (window_events), and the latest srtt/cwnd of the connection (copied at most every
 * cfg_conn_interval_us per socket: a table update costs more than the rest of the program).
 */
SEC("tp_btf/tcp_probe")
int tm_tcp_probe(__u64 *ctx)
{
	const struct sock *sk = (void *)ctx[0];
	struct tcp_sk_state *st;
	struct tcp_cg_stats *s;
	struct tcp_conn *c;
	struct tcp_sock *tp;
	__u32 srtt, cwnd;
	__u64 cg, us;

	bump(TM_EV_TCP_PROBE);
	tp = bpf_skc_to_tcp_sock((void *)sk);
	if (!tp)
		return 0;
	srtt = tp->srtt_us >> 3;
	cwnd = tp->snd_cwnd;
	st = sk_state(sk, tp->total_retrans);
	cg = st ? st->cgroup : sk_cgroup(sk);
	s = cg_stats(cg);
	if (s) {
		__sync_fetch_and_add(&s->rtt_samples, 1);
		__sync_fetch_and_add(&s->rtt_sum_us, srtt);
		__sync_fetch_and_add(&s->rtt_hist[log2_bucket(srtt)], 1);
	}
	if (st)
		window_events(tp, st, s);
	if (st && cfg_conn_interval_us) {
		us = tp->tcp_mstamp;
		if (st->conn_us && us - st->conn_us < cfg_conn_interval_us)
			return 0;
		st->conn_us = us;
	}
	c = conn_get(sk, cg, 1);
	if (c) {
		c->srtt_us = srtt;
		c->snd_cwnd = cwnd;
		c->state = sk->__sk_common.skc_state;
		c->updated_ns = bpf_ktime_get_ns();
	}
	return 0;
}

static __always_inline void on_established(const struct sock *sk, int oldstate, __u64 cg,
					   struct tcp_cg_stats *s, __u64 now)
{
	int passive = oldstate == TM_TCP_SYN_RECV;
	struct tcp_conn_key k;
	struct tcp_conn v = {};
	struct tcp_conn *old;
	struct tcp_sk_state *st;
	struct tcp_sock *tp;
	__u32 total = 0;

	tp = bpf_skc_to_tcp_sock((void *)sk);
	if (tp) {
		total = tp->total_retrans;
		v.srtt_us = tp->srtt_us >> 3;
		v.snd_cwnd = tp->snd_cwnd;
		/* both SYNs are processed by now: the scales are final (0 when not negotiated) */
		if (BPF_CORE_READ_BITFIELD(tp, rx_opt.wscale_ok)) {
			v.flags |= TM_CONN_F_WSCALE;
			v.snd_wscale = BPF_CORE_READ_BITFIELD(tp, rx_opt.snd_wscale);
			v.rcv_wscale = BPF_CORE_READ_BITFIELD(tp, rx_opt.rcv_wscale);
		}
	}
	st = sk_state(sk, total);
	conn_key(sk, &k);
	if (st) {
		/* a passive socket's SYN-ACK retransmissions were counted on the listener */
		if (passive)
			st->retrans_seen = total;
		st->established_ns = now;
		st->cgroup = cg;
		st->local_port = k.local_port;
		st->conn_us = 0;
		st->wnd_flags = 0;
		if (s)
			__sync_fetch_and_add(passive ? &s->opened_passive : &s->opened_active, 1);
	}
	if (s) {
		__u32 b = v.flags & TM_CONN_F_WSCALE ? v.rcv_wscale : TM_TCP_WSCALE_NONE;

		__sync_fetch_and_add(&s->wscale_conns[b & (TM_TCP_WSCALE_BUCKETS - 1)], 1);
	}
	/* retransmitted SYNs of this connect, recorded before it was established */
	old = bpf_map_lookup_elem(&tcp_conns, &k);
	if (old && !old->established_ns && !old->closed_ns)
		v.retrans_segs = old->retrans_segs;
	v.cgroup = cg;
	v.established_ns = now;
	v.updated_ns = now;
	v.state = TM_TCP_ESTABLISHED;
	v.flags |= passive ? TM_CONN_F_PASSIVE : 0;
	if (bpf_map_update_elem(&tcp_conns, &k, &v, BPF_ANY))
		bump(TM_EV_LOST_CONN);
}

static __always_inline void on_close(const struct sock *sk, int oldstate, struct tcp_cg_stats *s,
				     __u64 now)
{
	struct tcp_sk_state *st = bpf_sk_storage_get(&tcp_sk, (void *)sk, 0, 0);
	struct tcp_cg_stats *cs;
	struct tcp_conn_key k;
	struct tcp_conn *c;
	__u64 us;

	if (oldstate == TM_TCP_SYN_SENT && s)
		__sync_fetch_and_add(&s->failed_active, 1);
	/* the local port is released (zeroed) before the CLOSE event: use the one kept */
	conn_key(sk, &k);
	if (!k.local_port && st)
		k.local_port = st->local_port;
	c = bpf_map_lookup_elem(&tcp_conns, &k);
	if (c) {
		struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);

		if (tp) { /* the latest values (tcp_probe copies them at intervals) */
			c->srtt_us = tp->srtt_us >> 3;
			c->snd_cwnd = tp->snd_cwnd;
		}
		c->state = TM_TCP_CLOSE;
		c->updated_ns = now;
		c->closed_ns = now;
	}
	if (!st || !st->established_ns)
		return;
	us = (now - st->established_ns) / 1000;
	st->established_ns = 0;
	/* to the cgroup that counted the open, so that opened - closed stays exact */
	cs = cg_stats(st->cgroup);
	if (!cs)
		return;
	__sync_fetch_and_add(&cs->duration_sum_us, us);
	__sync_fetch_and_add(&cs->duration_hist[log2_bucket(us)], 1);
	__sync_fetch_and_add(&cs->closed, 1);
}

SEC("tp_btf/inet_sock_set_state")
int tm_sock_state(__u64 *ctx)
{
	const struct sock *sk = (void *)ctx[0];
	int oldstate = (int)ctx[1];
	int newstate = (int)ctx[2];
	struct tcp_cg_stats *s;
	struct tcp_conn *c;
	__u64 cg, now;

	bump(TM_EV_SOCK_STATE);
	if (sk->sk_protocol != TM_IPPROTO_TCP)
		return 0;
	now = bpf_ktime_get_ns();
	cg = sk_cgroup(sk);
	s = cg_stats(cg);
	if (s)
		__sync_fetch_and_add(&s->state_changes, 1);
	if (newstate == TM_TCP_ESTABLISHED) {
		on_established(sk, oldstate, cg, s, now);
		return 0;
	}
	if (newstate == TM_TCP_SYN_SENT) {
		/* a new connect: retransmitted SYNs count from here */
		struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);
		__u32 total = tp ? tp->total_retrans : 0;
		struct tcp_sk_state *st = sk_state(sk, total);

		if (st) {
			st->retrans_seen = total;
			st->established_ns = 0;
		}
		return 0;
	}
	if (newstate == TM_TCP_CLOSE) {
		on_close(sk, oldstate, s, now);
		return 0;
	}
	c = conn_get(sk, cg, 0);
	if (c) {
		c->state = newstate;
		c->updated_ns = now;
	}
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int tm_sock_state_raw(struct bpf_raw_tracepoint_args *ctx)
{
	bump(TM_EV_SOCK_STATE_RAW);
	return 0;
}

/*
 * Drops with their reason (enum skb_drop_reason of the running kernel), per (cgroup, netns):
 * the socket of the skb (or, 6.12+, the receiving socket) when there is one, else cgroup 0 and
 * the netns of the device.
 */
SEC("tp_btf/kfree_skb")
int tm_kfree_skb(__u64 *ctx)
{
	struct sk_buff *skb = (void *)ctx[0];
	struct tcp_drop_key k = {};
	struct sock *sk = skb->sk;
	__u64 one = 1, *n;

	bump(TM_EV_KFREE_SKB);
	if (!sk && cfg_kfree_rx_sk)
		sk = (void *)ctx[3];
	k.reason = (__u32)ctx[2];
	if (sk) {
		k.netns = sk_netns(sk);
		if (sk_is_full(sk))
			k.cgroup = sk_cgroup(sk);
	} else {
		struct net_device *dev = skb->dev;

		if (dev)
			k.netns = dev->nd_net.net->ns.inum;
	}
	n = bpf_map_lookup_elem(&tcp_drops, &k);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return 0;
	}
	if (!bpf_map_update_elem(&tcp_drops, &k, &one, BPF_NOEXIST))
		return 0;
	n = bpf_map_lookup_elem(&tcp_drops, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bump(TM_EV_LOST_DROP);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
