// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Flow accounting entry points. Every program returns the "no opinion" verdict (TC_ACT_UNSPEC,
 * which is TCX_NEXT under tcx; 1 = allow for cgroup_skb): monitoring never changes traffic.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "../lib/account.h"

SEC("tc")
int tm_tc_ingress(struct __sk_buff *skb)
{
	account(skb, TM_KIND_TC, TM_DIR_INGRESS);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int tm_tc_egress(struct __sk_buff *skb)
{
	account(skb, TM_KIND_TC, TM_DIR_EGRESS);
	return TC_ACT_UNSPEC;
}

SEC("cgroup_skb/ingress")
int tm_cg_ingress(struct __sk_buff *skb)
{
	account(skb, TM_KIND_CGROUP, TM_DIR_INGRESS);
	return 1;
}

SEC("cgroup_skb/egress")
int tm_cg_egress(struct __sk_buff *skb)
{
	account(skb, TM_KIND_CGROUP, TM_DIR_EGRESS);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
