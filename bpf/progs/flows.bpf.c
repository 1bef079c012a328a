// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Flow accounting entry points. Every program returns the "no opinion" verdict (TC_ACT_UNSPEC,
 * which is TCX_NEXT under tcx; 1 = allow for cgroup_skb; XDP_PASS): monitoring never changes
 * traffic. The XDP program counts a node interface's ingress at the driver into the same flows as
 * tm_tc_ingress (kind TC, the same bytes: the L3 length of each frame), in its place.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "../lib/account.h"

SEC("tc")
int tm_tc_ingress(struct __sk_buff *skb)
{
	struct pkt_ctx c;

	ctx_skb(skb, &c);
	account(&c, TM_KIND_TC, TM_DIR_INGRESS);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int tm_tc_egress(struct __sk_buff *skb)
{
	struct pkt_ctx c;

	ctx_skb(skb, &c);
	account(&c, TM_KIND_TC, TM_DIR_EGRESS);
	return TC_ACT_UNSPEC;
}

SEC("cgroup_skb/ingress")
int tm_cg_ingress(struct __sk_buff *skb)
{
	struct pkt_ctx c;

	ctx_skb(skb, &c);
	account(&c, TM_KIND_CGROUP, TM_DIR_INGRESS);
	return 1;
}

SEC("cgroup_skb/egress")
int tm_cg_egress(struct __sk_buff *skb)
{
	struct pkt_ctx c;

	ctx_skb(skb, &c);
	account(&c, TM_KIND_CGROUP, TM_DIR_EGRESS);
	return 1;
}

SEC("xdp")
int tm_xdp_ingress(struct xdp_md *xdp)
{
	struct pkt_ctx c;

	ctx_xdp(xdp, &c);
	account(&c, TM_KIND_TC, TM_DIR_INGRESS);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
