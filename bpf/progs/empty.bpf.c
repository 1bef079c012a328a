// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Baselines for the benchmark: the cost of running a TC or an XDP program that does nothing. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tm_empty(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

SEC("xdp")
int tm_empty_xdp(struct xdp_md *xdp)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
