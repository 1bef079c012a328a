/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Accounting of one packet: counters, filter, flow entry (size histogram, jitter), sequence. */
#ifndef TM_ACCOUNT_H
#define TM_ACCOUNT_H

#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>
#include "config.h"
#include "filter.h"
#include "maps.h"
#include "parse.h"

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += n; /* per CPU: no atomics needed */
}

/*
 * CLOCK_MONOTONIC ns. The coarse clock (one tick, 1-4 ms, behind) is the default: reading the
 * precise clock costs ~18 ns per packet on a VM (kvm-clock), and flow timestamps only serve
 * idle eviction and rates over collection intervals of 10 ms or more.
 */
static __always_inline __u64 now(void)
{
	return cfg_precise_timestamps ? bpf_ktime_get_ns() : bpf_ktime_get_coarse_ns();
}

static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 r = 0, s;

	s = (v > 0xffff) << 4;
	v >>= s;
	r |= s;
	s = (v > 0xff) << 3;
	v >>= s;
	r |= s;
	s = (v > 0xf) << 2;
	v >>= s;
	r |= s;
	s = (v > 0x3) << 1;
	v >>= s;
	r |= s;
	return r | (v >> 1);
}

static __always_inline __u32 size_bucket(__u64 segs, __u64 bytes)
{
	__u32 b = log2_u32((__u32)(segs > 1 ? bytes / segs : bytes));

	if (b <= TM_FLOW_HIST_SHIFT)
		return 0;
	b -= TM_FLOW_HIST_SHIFT;
	return b < TM_FLOW_HIST_BUCKETS ? b : TM_FLOW_HIST_BUCKETS - 1;
}

/* Inter-arrival statistics of the flow's current burst; t on the precise clock. */
static __always_inline void track_jitter(const struct flow_key *key, __u64 t)
{
	struct jitter_state *st, init;
	__u64 last, dt, us;
	long err;

	st = bpf_map_lookup_elem(&jitter, key);
	if (!st) {
		__builtin_memset(&init, 0, sizeof(init));
		init.last_ns = t;
		err = bpf_map_update_elem(&jitter, key, &init, BPF_NOEXIST);
		if (err && err != -EEXIST)
			count(TM_C_JITTER_FULL, 1);
		return;
	}
	last = st->last_ns;
	if (t <= last)
		return;
	st->last_ns = t;
	dt = t - last;
	if (dt > TM_BURST_GAP_NS) {
		st->iat_count = 0;
		st->iat_sum_ns = 0;
		st->iat_sum_sq_us = 0;
		return;
	}
	us = dt / 1000;
	st->iat_count += 1;
	st->iat_sum_ns += dt;
	st->iat_sum_sq_us += us * us;
}

static __always_inline void add_flow(const struct packet *pkt, __u64 segs, __u64 bytes,
				     __u64 payload, __u64 now)
{
	struct flow_stats *v = bpf_map_lookup_elem(&flows, &pkt->key);
	__u32 b = size_bucket(segs, bytes);
	struct flow_stats init;
	long err;

	if (!v) {
		__builtin_memset(&init, 0, sizeof(init));
		init.bytes = bytes;
		init.packets = segs;
		init.payload_bytes = payload;
		init.first_seen_ns = now;
		init.last_seen_ns = now;
		init.tcp_flags = pkt->tcp_flags;
		init.flags = pkt->fragment ? TM_FLOW_F_FRAGMENT : 0;
		if (cfg_histograms)
			init.size_hist[b & (TM_FLOW_HIST_BUCKETS - 1)] = segs;
		err = bpf_map_update_elem(&flows, &pkt->key, &init, BPF_NOEXIST);
		if (!err)
			goto accounted;
		if (err != -EEXIST) {
			count(err == -E2BIG || err == -ENOMEM ? TM_C_MAP_FULL : TM_C_ERRORS, segs);
			return;
		}
		/* another CPU created it first: add to that one */
		v = bpf_map_lookup_elem(&flows, &pkt->key);
		if (!v) {
			count(TM_C_ERRORS, segs);
			return;
		}
	}
	if (cfg_percpu_flows) {
		/* this CPU's copy: nobody else writes it */
		v->bytes += bytes;
		v->packets += segs;
		v->payload_bytes += payload;
		if (cfg_histograms)
			v->size_hist[b & (TM_FLOW_HIST_BUCKETS - 1)] += (__u32)segs;
		v->tcp_flags |= pkt->tcp_flags;
		if (pkt->fragment)
			v->flags |= TM_FLOW_F_FRAGMENT;
	} else {
		__sync_fetch_and_add(&v->bytes, bytes);
		__sync_fetch_and_add(&v->packets, segs);
		__sync_fetch_and_add(&v->payload_bytes, payload);
		if (cfg_histograms)
			__sync_fetch_and_add(&v->size_hist[b & (TM_FLOW_HIST_BUCKETS - 1)],
					     (__u32)segs);
		if (pkt->tcp_flags && (v->tcp_flags & pkt->tcp_flags) != pkt->tcp_flags)
			__sync_fetch_and_or(&v->tcp_flags, pkt->tcp_flags);
		if (pkt->fragment && !(v->flags & TM_FLOW_F_FRAGMENT))
			__sync_fetch_and_or(&v->flags, TM_FLOW_F_FRAGMENT);
	}
	if (v->last_seen_ns < now)
		v->last_seen_ns = now;
accounted:
	count(TM_C_ACCOUNTED, segs);
}

static __always_inline int seq_protocol(__u8 want, __u8 proto)
{
	if (want == IPPROTO_ICMP)
		return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
	return proto == want;
}

/*
 * Offset of the sequence number from the start of the payload: settings.seq_offset, after the
 * first occurrence of the pattern in the first seq_window payload bytes when there is one.
 * Negative when the pattern is not there.
 */
static __always_inline long seq_field(struct pkt_ctx *c, __u32 payload, const struct tm_settings *s)
{
	__u8 buf[TM_SEQ_MAX_WINDOW] = {};
	__u32 n, i;

	if (!(s->flags & TM_SET_SEQ_PATTERN))
		return s->seq_offset;
	if (ctx_len(c) <= payload)
		return -1;
	n = ctx_len(c) - payload;
	if (n > s->seq_window)
		n = s->seq_window;
	if (n > TM_SEQ_MAX_WINDOW)
		n = TM_SEQ_MAX_WINDOW;
	if (n < 4 || ctx_load_bytes(c, payload, buf, n))
		return -1;
	for (i = 0; i <= TM_SEQ_MAX_WINDOW - 4; i++) {
		if (i + 4 > n)
			break;
		if (buf[i] == s->seq_pattern[0] && buf[i + 1] == s->seq_pattern[1] &&
		    buf[i + 2] == s->seq_pattern[2] && buf[i + 3] == s->seq_pattern[3])
			return i + 4 + s->seq_offset;
	}
	return -1;
}

/* Sequence-number loss: in order, gap (small or big), or reverse (late or duplicate). */
static __always_inline void track_sequence(struct pkt_ctx *c, const struct packet *pkt,
					   const struct tm_settings *s)
{
	__u32 payload = pkt->l3_off + pkt->hdr_len;
	struct seq_state *st, init;
	long field, err;
	__u32 seq;
	__s32 diff;

	if (pkt->fragment || !seq_protocol(s->seq_proto, pkt->key.proto))
		return;
	field = seq_field(c, payload, s);
	if (field < 0 || ctx_load_bytes(c, payload + (__u32)field, &seq, 4)) {
		count(TM_C_SEQ_NO_NUMBER, 1);
		return;
	}
	seq = bpf_ntohl(seq);
	st = bpf_map_lookup_elem(&sequences, &pkt->key);
	if (!st) {
		__builtin_memset(&init, 0, sizeof(init));
		init.expected = seq + 1;
		init.received = 1;
		err = bpf_map_update_elem(&sequences, &pkt->key, &init, BPF_NOEXIST);
		if (!err)
			return;
		if (err != -EEXIST) {
			count(TM_C_SEQ_FULL, 1);
			return;
		}
		st = bpf_map_lookup_elem(&sequences, &pkt->key);
		if (!st)
			return;
	}
	bpf_spin_lock(&st->lock);
	diff = (__s32)(seq - st->expected);
	st->received++;
	if (diff == 0) {
		st->expected = seq + 1;
	} else if (diff > 0 && diff <= TM_SEQ_RESYNC) {
		st->missing += diff;
		if ((__u32)diff <= s->seq_gap_threshold)
			st->small_gaps++;
		else
			st->big_gaps++;
		st->expected = seq + 1;
	} else if (diff < 0 && diff >= -TM_SEQ_RESYNC) {
		st->reverse++;
	} else {
		st->resyncs++;
		st->expected = seq + 1;
	}
	bpf_spin_unlock(&st->lock);
}

/*
 * Parses one packet into pkt and applies the filters. Returns 1 when the packet is to be added to
 * its flow; otherwise counts what it was (non-IP, truncated, malformed, filtered) and returns 0.
 */
static __always_inline int classify(struct pkt_ctx *c, __u8 kind, __u8 direction,
				    struct packet *pkt, __u64 segs)
{
	int status = kind == TM_KIND_TC ? parse_l2(c, pkt) : parse_l3(c, 0, pkt);

	switch (status) {
	case TM_PKT_OK:
		break;
	case TM_PKT_NON_IP:
		count(TM_C_NON_IP, segs);
		return 0;
	case TM_PKT_TRUNCATED:
		count(TM_C_TRUNCATED, segs);
		return 0;
	default:
		count(TM_C_MALFORMED, segs);
		return 0;
	}
	if (pkt->fragment)
		count(TM_C_FRAGMENTS, segs);
	pkt->key.kind = kind;
	pkt->key.direction = direction;
	pkt->key.target = kind == TM_KIND_TC ? ctx_ifindex(c) : bpf_skb_cgroup_id(c->ctx);
	if (!filter_pass(&pkt->key)) {
		count(TM_C_FILTERED, segs);
		return 0;
	}
	return 1;
}

/* L3 bytes of a (GSO) packet: every segment carries its own copy of the headers. */
static __always_inline __u64 wire_bytes(const struct packet *pkt, __u64 segs)
{
	return pkt->l3_len + (segs - 1) * pkt->hdr_len;
}

/*
 * Accounts one packet. kind TM_KIND_TC for an interface (TC or XDP: the same flow key, target the
 * ifindex), TM_KIND_CGROUP for a cgroup (c from an skb).
 */
static __always_inline void account(struct pkt_ctx *c, __u8 kind, __u8 direction)
{
	struct packet pkt = {};
	struct tm_settings *s;
	__u64 segs, t;
	__u32 zero = 0;
	int want_jitter;

	segs = ctx_gso_segs(c) ? ctx_gso_segs(c) : 1;
	if (!classify(c, kind, direction, &pkt, segs))
		return;
	s = bpf_map_lookup_elem(&settings, &zero);
	want_jitter = s && (s->flags & TM_SET_JITTER);
	t = want_jitter ? bpf_ktime_get_ns() : now();
	add_flow(&pkt, segs, wire_bytes(&pkt, segs), pkt.l3_len - pkt.hdr_len, t);
	if (want_jitter)
		track_jitter(&pkt.key, t);
	if (s && (s->flags & TM_SET_SEQUENCE))
		track_sequence(c, &pkt, s);
}

#endif /* TM_ACCOUNT_H */
