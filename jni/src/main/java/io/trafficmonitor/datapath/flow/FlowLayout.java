package io.trafficmonitor.datapath.flow;

import io.trafficmonitor.bpf.Direction;

/**
 * Byte layouts shared with the kernel programs: the mirror of {@code bpf/lib/flow_types.h} (change
 * both together). Integers are in host (little-endian) order, addresses in network order, IPv4 as
 * IPv4-mapped IPv6.
 */
public final class FlowLayout {
  private FlowLayout() {}

  /** The value of a direction in flow_key.direction and filter rules (TM_DIR_*). */
  public static int code(Direction direction) {
    return direction == Direction.INGRESS ? 0 : 1;
  }

  /** The direction of a flow_key.direction value. */
  public static Direction direction(int code) {
    return code == 0 ? Direction.INGRESS : Direction.EGRESS;
  }

  /** struct flow_key (48 bytes). */
  public static final int KEY_SIZE = 48;

  public static final int KEY_SRC = 0; // __u32 src[4]
  public static final int KEY_DST = 16; // __u32 dst[4]
  public static final int KEY_TARGET = 32; // __u64 ifindex or cgroup id
  public static final int KEY_SPORT = 40; // __u16
  public static final int KEY_DPORT = 42; // __u16
  public static final int KEY_PROTO = 44; // __u8
  public static final int KEY_FAMILY = 45; // __u8 4 or 6
  public static final int KEY_KIND = 46; // __u8 TM_KIND_*
  public static final int KEY_DIRECTION = 47; // __u8 TM_DIR_*

  /**
   * Flow stats as readers get them (104 bytes): struct flow_stats (the kernel's value, {@link
   * #VALUE_SIZE} bytes, per-CPU copies folded into one) followed by the inter-arrival figures of
   * struct jitter_state (zero for a flow without jitter state).
   */
  public static final int STATS_SIZE = 104;

  /** struct flow_stats: the flows map's value (80 bytes; per CPU or shared). */
  public static final int VALUE_SIZE = 80;

  public static final int STATS_BYTES = 0;
  public static final int STATS_PACKETS = 8;
  public static final int STATS_PAYLOAD_BYTES = 16;
  public static final int STATS_LAST_SEEN = 24;
  public static final int STATS_TCP_FLAGS = 32; // __u32
  public static final int STATS_FLAGS = 36; // __u32
  public static final int STATS_SIZE_HIST = 40; // 8 x __u32
  public static final int STATS_FIRST_SEEN = 72;
  public static final int STATS_IAT_COUNT = 80;
  public static final int STATS_IAT_SUM_NS = 88;
  public static final int STATS_IAT_SUM_SQ_US = 96;

  /** struct jitter_state (32 bytes), the jitter map's value. */
  public static final int JITTER_SIZE = 32;

  public static final int JITTER_LAST = 0;
  public static final int JITTER_IAT_COUNT = 8; // these three words are copied to STATS_IAT_*
  public static final int JITTER_IAT_SUM_NS = 16;
  public static final int JITTER_IAT_SUM_SQ_US = 24;

  /** flow_stats.flags: the flow had IP fragments. */
  public static final int FLOW_F_FRAGMENT = 1;

  /**
   * Buckets of a flow's packet-size histogram (L3 size per segment): below 64 bytes, then one per
   * power of two, then 4096 and more.
   */
  public static final int HIST_BUCKETS = 8;

  /** Bucket i >= 1 starts at 2^(i + HIST_SHIFT) bytes. */
  public static final int HIST_SHIFT = 5;

  /** A silence longer than this ends a burst and restarts the inter-arrival statistics. */
  public static final long BURST_GAP_NANOS = 2_000_000_000L;

  /** struct tm_settings (16 bytes), entry 0 of the settings map. */
  public static final int SETTINGS_SIZE = 16;

  public static final int SETTINGS_FLAGS = 0; // __u32 TM_SET_*
  public static final int SETTINGS_SEQ_PROTO = 4; // __u8
  public static final int SETTINGS_SEQ_WINDOW = 5; // __u8
  public static final int SETTINGS_SEQ_OFFSET = 6; // __u16
  public static final int SETTINGS_SEQ_PATTERN = 8; // 4 bytes as on the wire
  public static final int SETTINGS_SEQ_GAP_THRESHOLD = 12; // __u32
  public static final int SET_JITTER = 1;
  public static final int SET_SEQUENCE = 2;
  public static final int SET_SEQ_PATTERN = 4;
  public static final int SEQ_MAX_WINDOW = 64;

  /** struct seq_state (56 bytes; a bpf_spin_lock first). */
  public static final int SEQ_SIZE = 56;

  public static final int SEQ_EXPECTED = 4; // __u32
  public static final int SEQ_RECEIVED = 8;
  public static final int SEQ_REVERSE = 16;
  public static final int SEQ_SMALL_GAPS = 24;
  public static final int SEQ_BIG_GAPS = 32;
  public static final int SEQ_MISSING = 40;
  public static final int SEQ_RESYNCS = 48;

  /** enum tm_counter: indexes of the per-CPU counters array (C_SEEN is not counted). */
  public static final int C_SEEN = 0;

  public static final int C_ACCOUNTED = 1;
  public static final int C_FILTERED = 2;
  public static final int C_MAP_FULL = 3;
  public static final int C_ERRORS = 4;
  public static final int C_NON_IP = 5;
  public static final int C_TRUNCATED = 6;
  public static final int C_MALFORMED = 7;
  public static final int C_FRAGMENTS = 8;
  public static final int C_SEQ_FULL = 9;
  public static final int C_SEQ_NO_NUMBER = 10;
  public static final int C_JITTER_FULL = 11;
  public static final int C_MAX = 16;

  /** struct filter_rule (152 bytes) and the filter_state word. */
  public static final int MAX_RULES = 16;

  public static final int MAX_PORT_RANGES = 4;
  public static final int RULE_SIZE = 152;
  public static final int RULE_SRC = 0;
  public static final int RULE_SRC_MASK = 16;
  public static final int RULE_DST = 32;
  public static final int RULE_DST_MASK = 48;
  public static final int RULE_SPORTS = 64; // 4 x {__u16 lo, hi}
  public static final int RULE_DPORTS = 80;
  public static final int RULE_PORTS = 96;
  public static final int RULE_N_SPORTS = 112;
  public static final int RULE_N_DPORTS = 113;
  public static final int RULE_N_PORTS = 114;
  public static final int RULE_FAMILY = 115;
  public static final int RULE_DIRECTIONS = 116;
  public static final int RULE_KINDS = 117;
  public static final int RULE_PROTOCOLS = 120; // 4 x __u64 bitmap
  public static final int FILTER_SET_BIT = 31;

  /** struct port_range (4 bytes): RULE_SPORTS, RULE_DPORTS and RULE_PORTS hold 4 each. */
  public static final int PORT_RANGE_SIZE = 4;

  public static final int PORT_RANGE_LO = 0; // __u16, inclusive
  public static final int PORT_RANGE_HI = 2; // __u16, inclusive

  /** Map, program and global names in flows.bpf.o. */
  public static final String MAP_FLOWS = "flows";

  public static final String MAP_SEQUENCES = "sequences";
  public static final String MAP_JITTER = "jitter";
  public static final String MAP_SETTINGS = "settings";
  public static final String MAP_COUNTERS = "counters";
  public static final String MAP_FILTER_RULES = "filter_rules";
  public static final String MAP_FILTER_STATE = "filter_state";
  public static final String PROG_TC_INGRESS = "tm_tc_ingress";
  public static final String PROG_TC_EGRESS = "tm_tc_egress";
  public static final String PROG_XDP_INGRESS = "tm_xdp_ingress";
  public static final String PROG_CG_INGRESS = "tm_cg_ingress";
  public static final String PROG_CG_EGRESS = "tm_cg_egress";
  public static final String GLOBAL_HISTOGRAMS = "cfg_histograms";
  public static final String GLOBAL_PRECISE_TIMESTAMPS = "cfg_precise_timestamps";
  public static final String GLOBAL_PERCPU_FLOWS = "cfg_percpu_flows";
  public static final String RESOURCE = "/io/trafficmonitor/bpf/progs/flows.bpf.o";
}
