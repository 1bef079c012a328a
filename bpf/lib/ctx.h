/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The packet a program accounts, whatever its hook: an skb (TC, cgroup_skb) or an XDP frame at the
 * driver. Parsing and accounting read the packet only through this, so every hook counts the same
 * bytes for the same packet. The entry points fill it once; `xdp` is a constant there, so the
 * compiler keeps only the helper of the program's type.
 */
#ifndef TM_CTX_H
#define TM_CTX_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct pkt_ctx {
	void *ctx; /* struct __sk_buff * or struct xdp_md * */
	__u32 xdp_len; /* an XDP frame's length (data_end - data); skb fields are read from the skb
			*/
	__u8 xdp;
};

static __always_inline void ctx_skb(struct __sk_buff *skb, struct pkt_ctx *c)
{
	c->ctx = skb;
	c->xdp = 0;
}

/*
 * An XDP frame. Programs are loaded without BPF_F_XDP_HAS_FRAGS, so the frame is linear: its length
 * (bpf_xdp_get_buff_len: data_end - data) counts the Ethernet header, as skb->len at TC ingress.
 */
static __always_inline void ctx_xdp(struct xdp_md *x, struct pkt_ctx *c)
{
	c->ctx = x;
	c->xdp = 1;
}

/*
 * Lengths and fields are read from the context at each use, as before XDP shared this code: values
 * kept on the stack change what the verifier can prune (verification doubled with them).
 */

/* Bytes from the first byte: skb->len (L2 header included at TC), or the XDP frame's length. */
static __always_inline __u32 ctx_len(const struct pkt_ctx *c)
{
	return c->xdp ? (__u32)bpf_xdp_get_buff_len(c->ctx) : ((struct __sk_buff *)c->ctx)->len;
}

/* Segments of a GSO skb (0 or 1: one); an XDP frame is one packet. */
static __always_inline __u32 ctx_gso_segs(const struct pkt_ctx *c)
{
	return c->xdp ? 1 : ((struct __sk_buff *)c->ctx)->gso_segs;
}

/* The interface the packet is at (TC, XDP). */
static __always_inline __u32 ctx_ifindex(const struct pkt_ctx *c)
{
	return c->xdp ? ((struct xdp_md *)c->ctx)->ingress_ifindex
		      : ((struct __sk_buff *)c->ctx)->ifindex;
}

/*
 * The packet's linear data [*data, *data_end), read from the context at each use (packet pointers
 * kept on the stack would multiply the verifier's states). The first byte is the L2 header under
 * TC and XDP, the L3 header in cgroup_skb.
 */
static __always_inline void ctx_linear(const struct pkt_ctx *c, void **data, void **data_end)
{
	if (c->xdp) {
		struct xdp_md *x = c->ctx;

		*data = (void *)(long)x->data;
		*data_end = (void *)(long)x->data_end;
	} else {
		struct __sk_buff *skb = c->ctx;

		*data = (void *)(long)skb->data;
		*data_end = (void *)(long)skb->data_end;
	}
}

/* Copies len bytes at off through the hook's helper (checked against the packet's length). */
static __always_inline long ctx_load_bytes(const struct pkt_ctx *c, __u32 off, void *to, __u32 len)
{
	if (c->xdp)
		return bpf_xdp_load_bytes(c->ctx, off, to, len);
	return bpf_skb_load_bytes(c->ctx, off, to, len);
}

#endif /* TM_CTX_H */
