// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TEST ONLY (compiled into jni test resources, never into the product jar): a TC program that
 * drops TCP segments, IPv4 or IPv6 (no extension headers), to force retransmissions without
 * netem: every Nth data segment (skb) to cfg_port, or (cfg_synack) every SYN-ACK from cfg_port;
 * at most cfg_max_drops in all.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u16 cfg_port = 0; /* server port */
const volatile __u32 cfg_every = 10; /* drop data segment N, 2N, 3N, ... */
const volatile __u32 cfg_max_drops = 16;
const volatile __u8 cfg_synack = 0; /* drop SYN-ACKs from cfg_port instead of data */

/* 0: matching segments seen, 1: dropped */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} dropper_stats SEC(".maps");

SEC("tc")
int tm_test_drop_nth(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct tcphdr *tcp;
	__u32 k0 = 0, k1 = 1;
	__u64 *seen, *dropped, n;
	int payload;

	if ((void *)(eth + 1) > end)
		return TC_ACT_OK;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		__u32 ihl;

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP)
			return TC_ACT_OK;
		ihl = ip->ihl * 4;
		if (ihl < sizeof(*ip))
			return TC_ACT_OK;
		tcp = (void *)ip + ihl;
		if ((void *)(tcp + 1) > end)
			return TC_ACT_OK;
		payload = (int)bpf_ntohs(ip->tot_len) - (int)ihl - (int)tcp->doff * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return TC_ACT_OK;
		tcp = (void *)(ip6 + 1);
		if ((void *)(tcp + 1) > end)
			return TC_ACT_OK;
		payload = (int)bpf_ntohs(ip6->payload_len) - (int)tcp->doff * 4;
	} else {
		return TC_ACT_OK;
	}
	if (cfg_synack) {
		if (tcp->source != bpf_htons(cfg_port) || !tcp->syn || !tcp->ack)
			return TC_ACT_OK;
	} else if (tcp->dest != bpf_htons(cfg_port) || payload <= 0) {
		return TC_ACT_OK;
	}
	seen = bpf_map_lookup_elem(&dropper_stats, &k0);
	dropped = bpf_map_lookup_elem(&dropper_stats, &k1);
	if (!seen || !dropped)
		return TC_ACT_OK;
	n = __sync_fetch_and_add(seen, 1) + 1;
	if (n % cfg_every || *dropped >= cfg_max_drops)
		return TC_ACT_OK;
	__sync_fetch_and_add(dropped, 1);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
