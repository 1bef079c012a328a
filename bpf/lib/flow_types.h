/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one place where the layouts shared between the kernel programs and user space are
 * defined. Every struct here is mirrored byte for byte by
 * jni/src/main/java/io/trafficmonitor/datapath/flow/FlowLayout.java; change both together.
 * All multi-byte fields are in host byte order unless said otherwise; addresses are in
 * network byte order, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d).
 * Below each struct, every offset and size that user space uses is a _Static_assert (checked here,
 * on the BPF target) whose message names the Java constant mirroring it; jni's LayoutContractTest
 * compares each with that constant. __builtin_offsetof, because libbpf's offsetof is a pointer
 * cast and not an integer constant expression.
 */
#ifndef TM_FLOW_TYPES_H
#define TM_FLOW_TYPES_H

#include <linux/types.h>
#include <linux/bpf.h> /* struct bpf_spin_lock */

/* Where a packet was seen: flow_key.kind. */
#define TM_KIND_TC 1 /* target is an ifindex (TC ingress/egress, tcx or clsact) */
#define TM_KIND_CGROUP 2 /* target is a cgroup v2 id (cgroup_skb ingress/egress) */

/* flow_key.direction: relative to the target. */
#define TM_DIR_INGRESS 0
#define TM_DIR_EGRESS 1

/* flow_key: 48 bytes. */
struct flow_key {
	__u32 src[4]; /* source address (network order), IPv4-mapped for IPv4 */
	__u32 dst[4]; /* destination address */
	__u64 target; /* ifindex for TM_KIND_TC, cgroup v2 id of the socket for TM_KIND_CGROUP */
	__u16 sport; /* TCP/UDP/SCTP source port; ICMP/ICMPv6 type; else 0 */
	__u16 dport; /* TCP/UDP/SCTP destination port; ICMP/ICMPv6 code; else 0 */
	__u8 proto; /* IPPROTO_*; for IPv6 the header after the extension headers */
	__u8 family; /* 4 or 6 */
	__u8 kind; /* TM_KIND_* */
	__u8 direction; /* TM_DIR_* */
};

_Static_assert(sizeof(struct flow_key) == 48, "FlowLayout.KEY_SIZE");
_Static_assert(__builtin_offsetof(struct flow_key, src) == 0, "FlowLayout.KEY_SRC");
_Static_assert(__builtin_offsetof(struct flow_key, dst) == 16, "FlowLayout.KEY_DST");
_Static_assert(__builtin_offsetof(struct flow_key, target) == 32, "FlowLayout.KEY_TARGET");
_Static_assert(__builtin_offsetof(struct flow_key, sport) == 40, "FlowLayout.KEY_SPORT");
_Static_assert(__builtin_offsetof(struct flow_key, dport) == 42, "FlowLayout.KEY_DPORT");
_Static_assert(__builtin_offsetof(struct flow_key, proto) == 44, "FlowLayout.KEY_PROTO");
_Static_assert(__builtin_offsetof(struct flow_key, family) == 45, "FlowLayout.KEY_FAMILY");
_Static_assert(__builtin_offsetof(struct flow_key, kind) == 46, "FlowLayout.KEY_KIND");
_Static_assert(__builtin_offsetof(struct flow_key, direction) == 47, "FlowLayout.KEY_DIRECTION");

/* flow_stats.flags */
#define TM_FLOW_F_FRAGMENT 1 /* some packets of the flow were IP fragments */

/*
 * flow_stats.size_hist: log2 buckets of the L3 size per segment s: bucket 0 counts s < 64,
 * bucket i (1..6) counts 2^(i+5) <= s < 2^(i+6), bucket 7 every s >= 4096.
 */
#define TM_FLOW_HIST_BUCKETS 8
#define TM_FLOW_HIST_SHIFT 5

/* A silence longer than this ends a burst: the inter-arrival statistics start again. */
#define TM_BURST_GAP_NS 2000000000ULL

/*
 * flow_stats: 80 bytes, the value of the flows map: one per flow updated with atomic adds, or one
 * copy per CPU updated with plain adds (cfg_percpu_flows), which user space folds into one.
 */
struct flow_stats {
	__u64 bytes; /* L3 bytes (IP header on), every GSO segment's headers included */
	__u64 packets; /* packets on the wire: gso_segs of each skb, at least 1 */
	__u64 payload_bytes; /* bytes after the L4 header (TCP incl. options, UDP, ICMP 8 bytes) */
	__u64 last_seen_ns; /* CLOCK_MONOTONIC of the latest packet (precise while jitter is on) */
	__u32 tcp_flags; /* OR of the TCP flags byte of every packet (FIN 0x01 .. CWR 0x80) */
	__u32 flags; /* OR of TM_FLOW_F_* */
	__u32 size_hist[TM_FLOW_HIST_BUCKETS]; /* wraps at 2^32: read as deltas */
	__u64 first_seen_ns; /* ... of the first packet (coarse unless configured) */
};

_Static_assert(sizeof(struct flow_stats) == 80, "FlowLayout.VALUE_SIZE");
_Static_assert(__builtin_offsetof(struct flow_stats, bytes) == 0, "FlowLayout.STATS_BYTES");
_Static_assert(__builtin_offsetof(struct flow_stats, packets) == 8, "FlowLayout.STATS_PACKETS");
_Static_assert(__builtin_offsetof(struct flow_stats, payload_bytes) == 16,
	       "FlowLayout.STATS_PAYLOAD_BYTES");
_Static_assert(__builtin_offsetof(struct flow_stats, last_seen_ns) == 24,
	       "FlowLayout.STATS_LAST_SEEN");
_Static_assert(__builtin_offsetof(struct flow_stats, tcp_flags) == 32,
	       "FlowLayout.STATS_TCP_FLAGS");
_Static_assert(__builtin_offsetof(struct flow_stats, flags) == 36, "FlowLayout.STATS_FLAGS");
_Static_assert(__builtin_offsetof(struct flow_stats, size_hist) == 40,
	       "FlowLayout.STATS_SIZE_HIST");
_Static_assert(__builtin_offsetof(struct flow_stats, first_seen_ns) == 72,
	       "FlowLayout.STATS_FIRST_SEEN");

/*
 * jitter_state: 32 bytes, per flow_key while TM_SET_JITTER is on, in a shared map (not per CPU:
 * the interval is between consecutive packets of the flow, whichever CPU they ran on).
 * Inter-arrival times of the current burst: count, sum in ns and sum of squares in us^2 (mean
 * and standard deviation follow). Plain stores, not atomics: packets of one flow, direction and
 * hook on two CPUs at once may lose an interval.
 */
struct jitter_state {
	__u64 last_ns; /* precise CLOCK_MONOTONIC of the flow's latest packet */
	__u64 iat_count;
	__u64 iat_sum_ns;
	__u64 iat_sum_sq_us;
};

_Static_assert(sizeof(struct jitter_state) == 32, "FlowLayout.JITTER_SIZE");
_Static_assert(__builtin_offsetof(struct jitter_state, last_ns) == 0, "FlowLayout.JITTER_LAST");
_Static_assert(__builtin_offsetof(struct jitter_state, iat_count) == 8,
	       "FlowLayout.JITTER_IAT_COUNT");
_Static_assert(__builtin_offsetof(struct jitter_state, iat_sum_ns) == 16,
	       "FlowLayout.JITTER_IAT_SUM_NS");
_Static_assert(__builtin_offsetof(struct jitter_state, iat_sum_sq_us) == 24,
	       "FlowLayout.JITTER_IAT_SUM_SQ_US");

/* settings.flags */
#define TM_SET_JITTER 1 /* measure inter-arrival times (precise clock per packet) */
#define TM_SET_SEQUENCE 2 /* track sequence numbers of seq_proto packets */
#define TM_SET_SEQ_PATTERN 4 /* the sequence number follows seq_pattern */

#define TM_SEQ_MAX_WINDOW 64
/* A jump of more than this many numbers either way is a restart of the sender, not loss. */
#define TM_SEQ_RESYNC (1 << 20)

/* settings: 16 bytes, one entry, changed at run time by user space. */
struct tm_settings {
	__u32 flags; /* TM_SET_* */
	__u8 seq_proto; /* IPPROTO_UDP or IPPROTO_ICMP (ICMP and ICMPv6) */
	__u8 seq_window; /* payload bytes searched for seq_pattern, 4 .. TM_SEQ_MAX_WINDOW */
	__u16 seq_offset; /* of the big-endian u32 sequence number from the payload or pattern end
			   */
	__u8 seq_pattern[4]; /* the marker, as bytes on the wire */
	__u32 seq_gap_threshold; /* a gap of at most this many missing numbers is small */
};

_Static_assert(sizeof(struct tm_settings) == 16, "FlowLayout.SETTINGS_SIZE");
_Static_assert(__builtin_offsetof(struct tm_settings, flags) == 0, "FlowLayout.SETTINGS_FLAGS");
_Static_assert(__builtin_offsetof(struct tm_settings, seq_proto) == 4,
	       "FlowLayout.SETTINGS_SEQ_PROTO");
_Static_assert(__builtin_offsetof(struct tm_settings, seq_window) == 5,
	       "FlowLayout.SETTINGS_SEQ_WINDOW");
_Static_assert(__builtin_offsetof(struct tm_settings, seq_offset) == 6,
	       "FlowLayout.SETTINGS_SEQ_OFFSET");
_Static_assert(__builtin_offsetof(struct tm_settings, seq_pattern) == 8,
	       "FlowLayout.SETTINGS_SEQ_PATTERN");
_Static_assert(__builtin_offsetof(struct tm_settings, seq_gap_threshold) == 12,
	       "FlowLayout.SETTINGS_SEQ_GAP_THRESHOLD");

/* seq_state: 56 bytes, per flow_key of flows with sequence numbers. */
struct seq_state {
	struct bpf_spin_lock lock;
	__u32 expected; /* the next number in order */
	__u64 received; /* packets with a sequence number */
	__u64 reverse; /* numbers below the expected one: out of order or duplicate */
	__u64 small_gaps;
	__u64 big_gaps;
	__u64 missing; /* numbers skipped by gaps; lost = missing - reverse (late ones arrived) */
	__u64 resyncs; /* jumps beyond TM_SEQ_RESYNC (sender restarted): counted nowhere else */
};

_Static_assert(sizeof(struct seq_state) == 56, "FlowLayout.SEQ_SIZE");
_Static_assert(__builtin_offsetof(struct seq_state, expected) == 4, "FlowLayout.SEQ_EXPECTED");
_Static_assert(__builtin_offsetof(struct seq_state, received) == 8, "FlowLayout.SEQ_RECEIVED");
_Static_assert(__builtin_offsetof(struct seq_state, reverse) == 16, "FlowLayout.SEQ_REVERSE");
_Static_assert(__builtin_offsetof(struct seq_state, small_gaps) == 24, "FlowLayout.SEQ_SMALL_GAPS");
_Static_assert(__builtin_offsetof(struct seq_state, big_gaps) == 32, "FlowLayout.SEQ_BIG_GAPS");
_Static_assert(__builtin_offsetof(struct seq_state, missing) == 40, "FlowLayout.SEQ_MISSING");
_Static_assert(__builtin_offsetof(struct seq_state, resyncs) == 48, "FlowLayout.SEQ_RESYNCS");

/* Global counters: index into the per-CPU counters array (sum over CPUs). */
enum tm_counter {
	TM_C_SEEN = 0, /* not counted by the programs: user space adds up the outcomes below */
	TM_C_ACCOUNTED, /* packets added to a flow */
	TM_C_FILTERED, /* packets that matched no filter rule */
	TM_C_MAP_FULL, /* packets lost to visibility: flow map full */
	TM_C_ERRORS, /* packets lost to visibility: other map update errors */
	TM_C_NON_IP, /* non-IP packets (ARP, LLDP, ...) */
	TM_C_TRUNCATED, /* packets shorter than their headers */
	TM_C_MALFORMED, /* impossible header values (IHL < 5, TCP doff < 5, bad version) */
	TM_C_FRAGMENTS, /* IP fragments (accounted; non-first ones without ports) */
	TM_C_SEQ_FULL, /* sequence map full: a flow's sequence numbers are not tracked */
	TM_C_SEQ_NO_NUMBER, /* seq_proto packets without the pattern, or too short for a number */
	TM_C_JITTER_FULL, /* packets whose inter-arrival time was not measured: jitter map full */
	TM_C_MAX = 16,
};

/*
 * Filters: an OR of up to TM_MAX_RULES rules; inside a rule every condition must hold and a
 * condition left empty matches all. No rule at all means everything is accounted.
 */
#define TM_MAX_RULES 16
#define TM_MAX_PORT_RANGES 4

struct port_range {
	__u16 lo; /* inclusive, host order */
	__u16 hi; /* inclusive */
};

_Static_assert(sizeof(struct port_range) == 4, "FlowLayout.PORT_RANGE_SIZE");
_Static_assert(__builtin_offsetof(struct port_range, lo) == 0, "FlowLayout.PORT_RANGE_LO");
_Static_assert(__builtin_offsetof(struct port_range, hi) == 2, "FlowLayout.PORT_RANGE_HI");

/* filter_rule: 152 bytes. */
struct filter_rule {
	__u32 src[4]; /* network order, IPv4-mapped for IPv4; compared under src_mask */
	__u32 src_mask[4]; /* all zero: any source */
	__u32 dst[4];
	__u32 dst_mask[4]; /* all zero: any destination */
	struct port_range sports[TM_MAX_PORT_RANGES]; /* source port in any of them */
	struct port_range dports[TM_MAX_PORT_RANGES]; /* destination port in any of them */
	struct port_range ports[TM_MAX_PORT_RANGES]; /* either port in any of them */
	__u8 n_sports; /* 0: any source port; else only packets that carry ports */
	__u8 n_dports;
	__u8 n_ports;
	__u8 family; /* 0 any, 4, 6 */
	__u8 directions; /* bit TM_DIR_x set: that direction; 0: both */
	__u8 kinds; /* bit TM_KIND_x set: that kind; 0: all */
	__u8 pad[2];
	__u64 protocols[4]; /* bitmap of IPPROTO_* values; all zero: any protocol */
};

_Static_assert(sizeof(struct filter_rule) == 152, "FlowLayout.RULE_SIZE");
_Static_assert(__builtin_offsetof(struct filter_rule, src) == 0, "FlowLayout.RULE_SRC");
_Static_assert(__builtin_offsetof(struct filter_rule, src_mask) == 16, "FlowLayout.RULE_SRC_MASK");
_Static_assert(__builtin_offsetof(struct filter_rule, dst) == 32, "FlowLayout.RULE_DST");
_Static_assert(__builtin_offsetof(struct filter_rule, dst_mask) == 48, "FlowLayout.RULE_DST_MASK");
_Static_assert(__builtin_offsetof(struct filter_rule, sports) == 64, "FlowLayout.RULE_SPORTS");
_Static_assert(__builtin_offsetof(struct filter_rule, dports) == 80, "FlowLayout.RULE_DPORTS");
_Static_assert(__builtin_offsetof(struct filter_rule, ports) == 96, "FlowLayout.RULE_PORTS");
_Static_assert(__builtin_offsetof(struct filter_rule, n_sports) == 112, "FlowLayout.RULE_N_SPORTS");
_Static_assert(__builtin_offsetof(struct filter_rule, n_dports) == 113, "FlowLayout.RULE_N_DPORTS");
_Static_assert(__builtin_offsetof(struct filter_rule, n_ports) == 114, "FlowLayout.RULE_N_PORTS");
_Static_assert(__builtin_offsetof(struct filter_rule, family) == 115, "FlowLayout.RULE_FAMILY");
_Static_assert(__builtin_offsetof(struct filter_rule, directions) == 116,
	       "FlowLayout.RULE_DIRECTIONS");
_Static_assert(__builtin_offsetof(struct filter_rule, kinds) == 117, "FlowLayout.RULE_KINDS");
_Static_assert(__builtin_offsetof(struct filter_rule, protocols) == 120,
	       "FlowLayout.RULE_PROTOCOLS");

/*
 * filter_state (one u32, read in one load so a change of rule set is atomic): bit 31 the
 * active half of filter_rules (0: entries 0..15, 1: entries 16..31), bits 0..7 the number
 * of rules in it.
 */
#define TM_FILTER_SET_BIT 31
#define TM_FILTER_COUNT_MASK 0xff

#endif /* TM_FLOW_TYPES_H */
