/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Maps of the tracepoint programs (tcp_events.bpf.c), with their layouts in tcp_types.h.
 * Include after vmlinux.h and bpf/bpf_helpers.h.
 */
#ifndef TM_EVENTS_H
#define TM_EVENTS_H

#include "tcp_types.h"

/* Index into events: event counts, then what could not be recorded ("lost"). */
enum tm_event {
	TM_EV_RETRANSMIT = 0, /* tcp_retransmit_skb */
	TM_EV_SOCK_STATE, /* inet_sock_set_state, BTF tracepoint */
	TM_EV_SOCK_STATE_RAW, /* inet_sock_set_state, raw tracepoint */
	TM_EV_KFREE_SKB, /* kfree_skb (packet drops) */
	TM_EV_TCP_PROBE, /* tcp_probe (srtt samples) */
	TM_EV_RETRANSMIT_SYNACK, /* tcp_retransmit_synack */
	TM_EV_LOST_CGROUP = 8, /* tcp_cgroups full: a cgroup's counters not updated */
	TM_EV_LOST_DROP, /* tcp_drops full: a drop not counted */
	TM_EV_LOST_CONN, /* tcp_conns update failed: a connection not recorded */
	TM_EV_LOST_STORAGE, /* sk storage not allocated: an open/close not timed */
	TM_EV_MAX = 16,
};

/* events: enum tm_event -> u64 count, per CPU; user space sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TM_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} events SEC(".maps");

/* tcp_cgroups: cgroup id -> struct tcp_cg_stats (max_entries set by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct tcp_cg_stats);
} tcp_cgroups SEC(".maps");

/* tcp_conns: connection -> latest TCP health; least recently updated evicted first. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tcp_conn_key);
	__type(value, struct tcp_conn);
} tcp_conns SEC(".maps");

/* tcp_drops: (cgroup, netns, reason) -> u64 drops. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tcp_drop_key);
	__type(value, __u64);
} tcp_drops SEC(".maps");

/* Socket-local storage: bounded by the sockets themselves (freed with each socket). */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcp_sk_state);
} tcp_sk SEC(".maps");

static __always_inline void bump(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&events, &idx);

	if (c)
		*c += 1;
}

#endif /* TM_EVENTS_H */
