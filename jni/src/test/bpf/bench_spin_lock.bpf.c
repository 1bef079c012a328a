// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark only: the flow program's parse and filters, with the flow's counters in one shared
 * hash updated under a bpf_spin_lock (the third candidate of the map design, next to atomic adds
 * and per-CPU values). Never part of the product.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "account.h"

struct flow_locked {
	struct bpf_spin_lock lock;
	__u32 pad;
	struct flow_stats s;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow_key);
	__type(value, struct flow_locked);
} flows_locked SEC(".maps");

SEC("tc")
int tm_bench_spin_lock(struct __sk_buff *skb)
{
	struct packet pkt = {};
	struct flow_locked *v, init;
	struct pkt_ctx c;
	__u64 segs = skb->gso_segs ? skb->gso_segs : 1;
	__u64 bytes, payload, t;
	__u32 b;

	ctx_skb(skb, &c);
	if (!classify(&c, TM_KIND_TC, TM_DIR_EGRESS, &pkt, segs))
		return TC_ACT_UNSPEC;
	bytes = wire_bytes(&pkt, segs);
	payload = pkt.l3_len - pkt.hdr_len;
	b = size_bucket(segs, bytes) & (TM_FLOW_HIST_BUCKETS - 1);
	t = now();
	v = bpf_map_lookup_elem(&flows_locked, &pkt.key);
	if (!v) {
		__builtin_memset(&init, 0, sizeof(init));
		bpf_map_update_elem(&flows_locked, &pkt.key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&flows_locked, &pkt.key);
		if (!v) {
			count(TM_C_MAP_FULL, segs);
			return TC_ACT_UNSPEC;
		}
	}
	bpf_spin_lock(&v->lock);
	v->s.bytes += bytes;
	v->s.packets += segs;
	v->s.payload_bytes += payload;
	v->s.size_hist[b] += (__u32)segs;
	v->s.tcp_flags |= pkt.tcp_flags;
	if (v->s.last_seen_ns < t)
		v->s.last_seen_ns = t;
	bpf_spin_unlock(&v->lock);
	count(TM_C_ACCOUNTED, segs);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
