/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Maps of the tracepoint programs (tcp_events.bpf.c). */
#ifndef TM_EVENTS_H
#define TM_EVENTS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Index into events. */
enum tm_event {
	TM_EV_RETRANSMIT = 0, /* tcp_retransmit_skb */
	TM_EV_SOCK_STATE, /* inet_sock_set_state, BTF tracepoint */
	TM_EV_SOCK_STATE_RAW, /* inet_sock_set_state, raw tracepoint */
	TM_EV_KFREE_SKB, /* kfree_skb (packet drops) */
	TM_EV_MAX = 8,
};

/* events: enum tm_event -> u64 count, per CPU; user space sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TM_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} events SEC(".maps");

static __always_inline void bump(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&events, &idx);

	if (c)
		*c += 1;
}

#endif /* TM_EVENTS_H */
