/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Run-time filters: an OR of rules read from filter_rules (see flow_types.h). */
#ifndef TM_FILTER_H
#define TM_FILTER_H

#include "maps.h"
#include "parse.h"

static __always_inline int has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE ||
	       proto == IPPROTO_SCTP;
}

static __always_inline int addr_match(const __u32 *addr, const __u32 *net, const __u32 *mask)
{
	return ((addr[0] & mask[0]) == net[0]) && ((addr[1] & mask[1]) == net[1]) &&
	       ((addr[2] & mask[2]) == net[2]) && ((addr[3] & mask[3]) == net[3]);
}

static __always_inline int in_ranges(const struct port_range *r, __u8 n, __u16 port)
{
	int i;

	for (i = 0; i < TM_MAX_PORT_RANGES; i++) {
		if (i >= n)
			break;
		if (port >= r[i].lo && port <= r[i].hi)
			return 1;
	}
	return 0;
}

static __always_inline int rule_match(const struct filter_rule *r, const struct flow_key *k)
{
	int ports = has_ports(k->proto);

	if (r->family && r->family != k->family)
		return 0;
	if (r->directions && !(r->directions & (1 << k->direction)))
		return 0;
	if (r->kinds && !(r->kinds & (1 << k->kind)))
		return 0;
	if ((r->protocols[0] | r->protocols[1] | r->protocols[2] | r->protocols[3]) &&
	    !(r->protocols[(k->proto >> 6) & 3] & (1ULL << (k->proto & 63))))
		return 0;
	if (!addr_match(k->src, r->src, r->src_mask) || !addr_match(k->dst, r->dst, r->dst_mask))
		return 0;
	if (r->n_sports && !(ports && in_ranges(r->sports, r->n_sports, k->sport)))
		return 0;
	if (r->n_dports && !(ports && in_ranges(r->dports, r->n_dports, k->dport)))
		return 0;
	if (r->n_ports && !(ports && (in_ranges(r->ports, r->n_ports, k->sport) ||
				      in_ranges(r->ports, r->n_ports, k->dport))))
		return 0;
	return 1;
}

/* 1 when the packet is to be accounted: no rules, or at least one rule matches. */
static __always_inline int filter_pass(const struct flow_key *k)
{
	__u32 zero = 0, state, count, base, idx;
	__u32 *st = bpf_map_lookup_elem(&filter_state, &zero);
	struct filter_rule *r;
	int i;

	if (!st)
		return 1;
	state = *(volatile __u32 *)st;
	count = state & TM_FILTER_COUNT_MASK;
	if (!count)
		return 1;
	base = (state >> TM_FILTER_SET_BIT) ? TM_MAX_RULES : 0;
	for (i = 0; i < TM_MAX_RULES; i++) {
		if (i >= count)
			break;
		idx = base + i;
		r = bpf_map_lookup_elem(&filter_rules, &idx);
		if (r && rule_match(r, k))
			return 1;
	}
	return 0;
}

#endif /* TM_FILTER_H */
