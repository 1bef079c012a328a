package io.trafficmonitor.datapath.flow;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Turns {@link FilterRule}s into kernel {@code struct filter_rule}s. The kernel rule holds one
 * source and one destination block and up to {@link FlowLayout#MAX_PORT_RANGES} ranges per port
 * list, so a rule with more is split into several (OR of the parts == the rule). At most {@link
 * FlowLayout#MAX_RULES} kernel rules fit.
 */
final class FilterEncoder {
  /** A kernel rule that matches nothing (a kind bit no program sets). */
  static final int NEVER_KIND = 0x80;

  private FilterEncoder() {}

  static List<byte[]> encode(List<FilterRule> rules) {
    List<byte[]> out = new ArrayList<>();
    for (FilterRule r : rules) {
      for (Cidr s : orAny(r.sources())) {
        for (Cidr d : orAny(r.destinations())) {
          if (s != null && d != null && s.family() != d.family()) {
            continue; // an IPv4 source and an IPv6 destination: never matches
          }
          int family = s != null ? s.family() : d != null ? d.family() : 0;
          for (List<PortRange> sp : chunks(r.sourcePorts())) {
            for (List<PortRange> dp : chunks(r.destinationPorts())) {
              for (List<PortRange> p : chunks(r.ports())) {
                out.add(encodeOne(r, family, s, d, sp, dp, p));
              }
            }
          }
        }
      }
    }
    if (!rules.isEmpty() && out.isEmpty()) {
      byte[] never = new byte[FlowLayout.RULE_SIZE];
      never[FlowLayout.RULE_KINDS] = (byte) NEVER_KIND;
      out.add(never);
    }
    if (out.size() > FlowLayout.MAX_RULES) {
      throw new IllegalArgumentException(
          "filters expand to "
              + out.size()
              + " kernel rules; at most "
              + FlowLayout.MAX_RULES
              + " fit (fewer address blocks or port ranges per rule)");
    }
    return out;
  }

  private static List<Cidr> orAny(List<Cidr> cidrs) {
    return cidrs.isEmpty() ? Collections.singletonList(null) : cidrs;
  }

  private static List<List<PortRange>> chunks(List<PortRange> ranges) {
    if (ranges.isEmpty()) {
      return List.of(List.of());
    }
    List<List<PortRange>> out = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i += FlowLayout.MAX_PORT_RANGES) {
      out.add(ranges.subList(i, Math.min(ranges.size(), i + FlowLayout.MAX_PORT_RANGES)));
    }
    return out;
  }

  private static byte[] encodeOne(
      FilterRule r,
      int family,
      Cidr s,
      Cidr d,
      List<PortRange> sp,
      List<PortRange> dp,
      List<PortRange> p) {
    ByteBuffer b = ByteBuffer.allocate(FlowLayout.RULE_SIZE).order(ByteOrder.nativeOrder());
    if (s != null) {
      b.put(FlowLayout.RULE_SRC, s.network()).put(FlowLayout.RULE_SRC_MASK, s.mask());
    }
    if (d != null) {
      b.put(FlowLayout.RULE_DST, d.network()).put(FlowLayout.RULE_DST_MASK, d.mask());
    }
    putRanges(b, FlowLayout.RULE_SPORTS, sp);
    putRanges(b, FlowLayout.RULE_DPORTS, dp);
    putRanges(b, FlowLayout.RULE_PORTS, p);
    b.put(FlowLayout.RULE_N_SPORTS, (byte) sp.size());
    b.put(FlowLayout.RULE_N_DPORTS, (byte) dp.size());
    b.put(FlowLayout.RULE_N_PORTS, (byte) p.size());
    b.put(FlowLayout.RULE_FAMILY, (byte) family);
    if (r.direction() != null) {
      b.put(FlowLayout.RULE_DIRECTIONS, (byte) (1 << FlowLayout.code(r.direction())));
    }
    if (r.kind() != null) {
      b.put(FlowLayout.RULE_KINDS, (byte) (1 << r.kind().code()));
    }
    long[] bitmap = new long[4];
    for (int proto : r.protocols()) {
      bitmap[proto >> 6] |= 1L << (proto & 63);
    }
    for (int i = 0; i < 4; i++) {
      b.putLong(FlowLayout.RULE_PROTOCOLS + 8 * i, bitmap[i]);
    }
    return b.array();
  }

  private static void putRanges(ByteBuffer b, int off, List<PortRange> ranges) {
    for (int i = 0; i < ranges.size(); i++) {
      b.putShort(off + 4 * i, (short) ranges.get(i).low());
      b.putShort(off + 4 * i + 2, (short) ranges.get(i).high());
    }
  }
}
