/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Load-time configuration: const volatile rodata, set from user space before load. */
#ifndef TM_CONFIG_H
#define TM_CONFIG_H

#include <linux/types.h>

/* 0 turns the per-flow packet-size histograms off. */
const volatile __u8 cfg_histograms = 1;

/* 1: flow timestamps from bpf_ktime_get_ns(); 0: bpf_ktime_get_coarse_ns() (cheaper). */
const volatile __u8 cfg_precise_timestamps = 0;

/*
 * 1: the flows map is a BPF_MAP_TYPE_PERCPU_HASH (set by user space before load): each CPU adds
 * to its own copy of the value with plain adds; 0: one shared value updated with atomic adds.
 */
const volatile __u8 cfg_percpu_flows = 0;

#endif /* TM_CONFIG_H */
