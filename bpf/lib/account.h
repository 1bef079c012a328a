/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Accounting of one packet: counters, filter, flow entry, size histogram. */
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

static __always_inline void add_flow(const struct packet *pkt, __u64 segs, __u64 bytes,
				     __u64 payload, __u64 now)
{
	struct flow_stats *v = bpf_map_lookup_elem(&flows, &pkt->key);
	struct flow_stats init;
	long err;

	if (!v) {
		init.bytes = bytes;
		init.packets = segs;
		init.payload_bytes = payload;
		init.first_seen_ns = now;
		init.last_seen_ns = now;
		init.tcp_flags = pkt->tcp_flags;
		init.flags = pkt->fragment ? TM_FLOW_F_FRAGMENT : 0;
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
	__sync_fetch_and_add(&v->bytes, bytes);
	__sync_fetch_and_add(&v->packets, segs);
	__sync_fetch_and_add(&v->payload_bytes, payload);
	if (pkt->tcp_flags && (v->tcp_flags & pkt->tcp_flags) != pkt->tcp_flags)
		__sync_fetch_and_or(&v->tcp_flags, pkt->tcp_flags);
	if (pkt->fragment && !(v->flags & TM_FLOW_F_FRAGMENT))
		__sync_fetch_and_or(&v->flags, TM_FLOW_F_FRAGMENT);
	if (v->last_seen_ns < now)
		v->last_seen_ns = now;
accounted:
	count(TM_C_ACCOUNTED, segs);
}

static __always_inline void add_histogram(const struct packet *pkt, __u64 segs, __u64 bytes)
{
	struct hist_key hk = {
		.target = pkt->key.target,
		.kind = pkt->key.kind,
		.direction = pkt->key.direction,
	};
	struct hist_value *h = bpf_map_lookup_elem(&histograms, &hk);
	__u32 b = log2_u32((__u32)(segs > 1 ? bytes / segs : bytes)) & (TM_HIST_BUCKETS - 1);

	if (!h) {
		struct hist_value zero = {};

		if (bpf_map_update_elem(&histograms, &hk, &zero, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&histograms, &hk)) {
			count(TM_C_HIST_FULL, segs);
			return;
		}
		h = bpf_map_lookup_elem(&histograms, &hk);
		if (!h)
			return;
	}
	__sync_fetch_and_add(&h->buckets[b], segs);
}

static __always_inline void account(struct __sk_buff *skb, __u8 kind, __u8 direction)
{
	struct packet pkt = {};
	__u64 segs, bytes, payload;
	int status;

	segs = skb->gso_segs ? skb->gso_segs : 1;
	count(TM_C_SEEN, segs);
	status = kind == TM_KIND_TC ? parse_l2(skb, &pkt) : parse_l3(skb, 0, &pkt);
	switch (status) {
	case TM_PKT_OK:
		break;
	case TM_PKT_NON_IP:
		count(TM_C_NON_IP, segs);
		return;
	case TM_PKT_TRUNCATED:
		count(TM_C_TRUNCATED, segs);
		return;
	default:
		count(TM_C_MALFORMED, segs);
		return;
	}
	if (pkt.fragment)
		count(TM_C_FRAGMENTS, segs);
	pkt.key.kind = kind;
	pkt.key.direction = direction;
	pkt.key.target = kind == TM_KIND_TC ? skb->ifindex : bpf_skb_cgroup_id(skb);
	if (!filter_pass(&pkt.key)) {
		count(TM_C_FILTERED, segs);
		return;
	}
	/* every GSO segment carries its own copy of the headers */
	bytes = pkt.l3_len + (segs - 1) * pkt.hdr_len;
	payload = pkt.l3_len - pkt.hdr_len;
	add_flow(&pkt, segs, bytes, payload, now());
	if (cfg_histograms)
		add_histogram(&pkt, segs, bytes);
}

#endif /* TM_ACCOUNT_H */
