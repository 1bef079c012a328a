// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TCP and drop events from BTF (tp_btf) and raw tracepoints. The arguments are not read yet:
 * these count events, and prove the attach paths the node agent uses.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../lib/events.h"

SEC("tp_btf/tcp_retransmit_skb")
int tm_tcp_retransmit(__u64 *ctx)
{
	bump(TM_EV_RETRANSMIT);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int tm_sock_state(__u64 *ctx)
{
	bump(TM_EV_SOCK_STATE);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int tm_sock_state_raw(struct bpf_raw_tracepoint_args *ctx)
{
	bump(TM_EV_SOCK_STATE_RAW);
	return 0;
}

SEC("tp_btf/kfree_skb")
int tm_kfree_skb(__u64 *ctx)
{
	bump(TM_EV_KFREE_SKB);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
