/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Every map of the flow programs, with its key and value (layouts in flow_types.h). */
#ifndef TM_MAPS_H
#define TM_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "flow_types.h"

/*
 * flows: flow_key -> flow_stats. A hash, not LRU: when full, new flows are counted in
 * TM_C_MAP_FULL instead of silently evicting others. User space evicts idle flows with
 * lookup-and-delete. max_entries, and the type (HASH with atomic adds, or PERCPU_HASH with plain
 * adds and cfg_percpu_flows set), are set before load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
} flows SEC(".maps");

/*
 * sequences: flow_key -> seq_state for flows of settings.seq_proto while TM_SET_SEQUENCE is on.
 * Updated under the entry's spin lock; user space deletes an entry with its flow.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct flow_key);
	__type(value, struct seq_state);
} sequences SEC(".maps");

/*
 * jitter: flow_key -> jitter_state while TM_SET_JITTER is on; user space deletes an entry with its
 * flow. max_entries is set before load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct flow_key);
	__type(value, struct jitter_state);
} jitter SEC(".maps");

/* settings: [0] = struct tm_settings (jitter, sequence numbers), changed at run time. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tm_settings);
} settings SEC(".maps");

/* counters: enum tm_counter -> u64, per CPU; user space sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TM_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* filter_rules: two halves of TM_MAX_RULES rules; user space fills the inactive half. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * TM_MAX_RULES);
	__type(key, __u32);
	__type(value, struct filter_rule);
} filter_rules SEC(".maps");

/* filter_state: [0] = active half and rule count (see flow_types.h), flipped last. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} filter_state SEC(".maps");

#endif /* TM_MAPS_H */
