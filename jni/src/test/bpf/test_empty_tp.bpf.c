// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TEST ONLY: empty programs on the tracepoints of tcp_events.bpf.c, the baseline of the TCP
 * health benchmark (the cost of running any tp_btf program there, statistics included).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp_btf/inet_sock_set_state")
int tm_empty_sock_state(__u64 *ctx)
{
	return 0;
}

SEC("tp_btf/tcp_probe")
int tm_empty_tcp_probe(__u64 *ctx)
{
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int tm_empty_tcp_retransmit(__u64 *ctx)
{
	return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int tm_empty_tcp_retransmit_synack(__u64 *ctx)
{
	return 0;
}

SEC("tp_btf/kfree_skb")
int tm_empty_kfree_skb(__u64 *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
