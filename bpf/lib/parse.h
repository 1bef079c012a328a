/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing into a flow_key, the same for every hook (struct pkt_ctx, ctx.h). Headers are
 * copied directly when in the linear data, else with bpf_skb_load_bytes()/bpf_xdp_load_bytes(),
 * which check every offset against the packet length, so a short packet is reported as truncated
 * instead of being read past its end. Loops are bounded.
 */
#ifndef TM_PARSE_H
#define TM_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ctx.h"
#include "flow_types.h"

#define TM_MAX_VLAN 2
#define TM_MAX_EXT_HDRS 8
#define TM_MAX_DIRECT_OFF 512

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif
#define TM_NEXTHDR_HOP 0
#define TM_NEXTHDR_ROUTING 43
#define TM_NEXTHDR_FRAGMENT 44
#define TM_NEXTHDR_AUTH 51
#define TM_NEXTHDR_DEST 60

enum tm_parse_status {
	TM_PKT_OK = 0,
	TM_PKT_NON_IP,
	TM_PKT_TRUNCATED,
	TM_PKT_MALFORMED,
};

struct packet {
	struct flow_key key;
	__u32 l3_len; /* bytes from the network header to the end of this (GSO) packet */
	__u32 hdr_len; /* network + transport header bytes of one segment */
	__u32 l3_off; /* offset of the network header (0 in cgroup_skb, after L2 in TC) */
	__u8 tcp_flags;
	__u8 fragment;
};

/*
 * Copies len bytes at off: straight from the linear data when they are there (checked against
 * data_end), else through the hook's load helper (paged data); non-zero when the packet is shorter.
 */
static __always_inline int load(struct pkt_ctx *c, __u32 off, void *to, const __u32 len)
{
	void *data, *data_end;

	ctx_linear(c, &data, &data_end);
	if (off < TM_MAX_DIRECT_OFF && data + off + len <= data_end) {
		__builtin_memcpy(to, data + off, len);
		return 0;
	}
	return ctx_load_bytes(c, off, to, len);
}

/* Transport header at off; fills ports, flags and the header length. */
static __always_inline int parse_l4(struct pkt_ctx *c, __u32 off, struct packet *pkt)
{
	__u8 b[20];

	switch (pkt->key.proto) {
	case IPPROTO_TCP:
		if (load(c, off, b, 20))
			return TM_PKT_TRUNCATED;
		if ((b[12] >> 4) < 5)
			return TM_PKT_MALFORMED;
		pkt->key.sport = (b[0] << 8) | b[1];
		pkt->key.dport = (b[2] << 8) | b[3];
		pkt->tcp_flags = b[13];
		pkt->hdr_len += (b[12] >> 4) * 4;
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		if (load(c, off, b, 8))
			return TM_PKT_TRUNCATED;
		pkt->key.sport = (b[0] << 8) | b[1];
		pkt->key.dport = (b[2] << 8) | b[3];
		pkt->hdr_len += 8;
		break;
	case IPPROTO_SCTP:
		if (load(c, off, b, 12))
			return TM_PKT_TRUNCATED;
		pkt->key.sport = (b[0] << 8) | b[1];
		pkt->key.dport = (b[2] << 8) | b[3];
		pkt->hdr_len += 12;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (load(c, off, b, 8))
			return TM_PKT_TRUNCATED;
		pkt->key.sport = b[0];
		pkt->key.dport = b[1];
		pkt->hdr_len += 8;
		break;
	default:
		break;
	}
	if (pkt->hdr_len > pkt->l3_len)
		return TM_PKT_TRUNCATED;
	return TM_PKT_OK;
}

static __always_inline int parse_ipv4(struct pkt_ctx *c, __u32 off, struct packet *pkt)
{
	__u8 h[20];
	__u32 ihl, tot_len, frag;

	if (load(c, off, h, 20))
		return TM_PKT_TRUNCATED;
	if ((h[0] >> 4) != 4)
		return TM_PKT_MALFORMED;
	ihl = (h[0] & 0xf) * 4;
	if (ihl < 20)
		return TM_PKT_MALFORMED;
	tot_len = (h[2] << 8) | h[3];
	/* GSO packets may carry 0 or a stale total length; trust the skb for those. */
	if (ctx_gso_segs(c) <= 1 && tot_len) {
		if (tot_len < ihl)
			return TM_PKT_MALFORMED;
		if (tot_len > pkt->l3_len)
			return TM_PKT_TRUNCATED;
		pkt->l3_len = tot_len; /* drop L2 padding */
	}
	if (ihl > pkt->l3_len)
		return TM_PKT_TRUNCATED;
	pkt->key.family = 4;
	pkt->key.proto = h[9];
	pkt->key.src[2] = bpf_htonl(0xffff);
	pkt->key.dst[2] = bpf_htonl(0xffff);
	__builtin_memcpy(&pkt->key.src[3], &h[12], 4);
	__builtin_memcpy(&pkt->key.dst[3], &h[16], 4);
	pkt->hdr_len = ihl;
	frag = ((h[6] << 8) | h[7]) & 0x3fff; /* MF and offset */
	if (frag) {
		pkt->fragment = 1;
		if (frag & 0x1fff)
			return TM_PKT_OK; /* not the first fragment: no transport header */
	}
	return parse_l4(c, off + ihl, pkt);
}

static __always_inline int parse_ipv6(struct pkt_ctx *c, __u32 off, struct packet *pkt)
{
	__u8 h[40];
	__u8 e[8];
	__u32 plen, start = off;
	__u8 next;
	int i;

	if (load(c, off, h, 40))
		return TM_PKT_TRUNCATED;
	if ((h[0] >> 4) != 6)
		return TM_PKT_MALFORMED;
	plen = (h[4] << 8) | h[5];
	if (ctx_gso_segs(c) <= 1 && plen) {
		if (plen + 40 > pkt->l3_len)
			return TM_PKT_TRUNCATED;
		pkt->l3_len = plen + 40;
	}
	pkt->key.family = 6;
	__builtin_memcpy(pkt->key.src, &h[8], 16);
	__builtin_memcpy(pkt->key.dst, &h[24], 16);
	next = h[6];
	off += 40;

	for (i = 0; i < TM_MAX_EXT_HDRS; i++) {
		switch (next) {
		case TM_NEXTHDR_HOP:
		case TM_NEXTHDR_ROUTING:
		case TM_NEXTHDR_DEST:
			if (load(c, off, e, 2))
				return TM_PKT_TRUNCATED;
			next = e[0];
			off += (e[1] + 1) * 8;
			continue;
		case TM_NEXTHDR_AUTH:
			if (load(c, off, e, 2))
				return TM_PKT_TRUNCATED;
			next = e[0];
			off += (e[1] + 2) * 4;
			continue;
		case TM_NEXTHDR_FRAGMENT:
			if (load(c, off, e, 8))
				return TM_PKT_TRUNCATED;
			next = e[0];
			off += 8;
			pkt->fragment = 1;
			if (((e[2] << 8) | e[3]) & 0xfff8) {
				/* not the first fragment: no transport header */
				pkt->key.proto = next;
				pkt->hdr_len = off - start;
				return pkt->hdr_len > pkt->l3_len ? TM_PKT_TRUNCATED : TM_PKT_OK;
			}
			continue;
		default:
			break;
		}
		break;
	}
	pkt->key.proto = next;
	pkt->hdr_len = off - start;
	if (pkt->hdr_len > pkt->l3_len)
		return TM_PKT_TRUNCATED;
	return parse_l4(c, off, pkt);
}

/* From the network header at off; the IP version decides the family. */
static __always_inline int parse_l3(struct pkt_ctx *c, __u32 off, struct packet *pkt)
{
	__u8 v;

	if (ctx_len(c) <= off)
		return TM_PKT_TRUNCATED;
	pkt->l3_len = ctx_len(c) - off;
	pkt->l3_off = off;
	if (load(c, off, &v, 1))
		return TM_PKT_TRUNCATED;
	switch (v >> 4) {
	case 4:
		return parse_ipv4(c, off, pkt);
	case 6:
		return parse_ipv6(c, off, pkt);
	default:
		return TM_PKT_MALFORMED;
	}
}

/* From the Ethernet header at offset 0 (TC, XDP), through up to TM_MAX_VLAN VLAN tags. */
static __always_inline int parse_l2(struct pkt_ctx *c, struct packet *pkt)
{
	__u8 eth[ETH_HLEN];
	__u8 tag[4];
	__u32 off = ETH_HLEN;
	__u16 proto;
	int i;

	if (load(c, 0, eth, ETH_HLEN))
		return TM_PKT_TRUNCATED;
	proto = (eth[12] << 8) | eth[13];
	for (i = 0; i < TM_MAX_VLAN; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if (load(c, off, tag, 4))
			return TM_PKT_TRUNCATED;
		proto = (tag[2] << 8) | tag[3];
		off += 4;
	}
	if (proto != ETH_P_IP && proto != ETH_P_IPV6)
		return TM_PKT_NON_IP;
	return parse_l3(c, off, pkt);
}

#endif /* TM_PARSE_H */
