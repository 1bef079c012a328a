package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.trafficmonitor.bpf.BpfProgram;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelSupport;
import io.trafficmonitor.bpf.Packets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernel filter agrees with {@link FilterRule#matches} on random rule sets and random packets
 * (BPF_PROG_TEST_RUN through the ingress and egress TC programs).
 */
class FilterSemanticsIT {
  private static final String[] V4 = {"10.1.0.1", "10.1.0.2", "10.2.3.4", "192.168.1.9"};
  private static final String[] V6 = {"fd00::1", "fd00::2", "fd01::7", "2001:db8::5"};
  private static final String[] CIDRS = {
    "10.0.0.0/8",
    "10.1.0.0/16",
    "10.1.0.2/32",
    "192.168.0.0/16",
    "fd00::/16",
    "fd00::/127",
    "2001:db8::/32",
    "0.0.0.0/0"
  };
  private static final int[] PROTOS = {6, 17, 1, 58, 47, 132};
  private static FlowDatapath dp;

  @BeforeAll
  static void load() {
    KernelSupport.require();
    dp = FlowDatapath.open();
  }

  @AfterAll
  static void close() {
    if (dp != null) {
      dp.close();
    }
  }

  private static String range(Random r) {
    int lo = 1 + r.nextInt(40);
    return r.nextBoolean() ? Integer.toString(lo) : lo + "-" + (lo + r.nextInt(10));
  }

  private static FilterRule randomRule(Random r) {
    FilterRule.Builder b = FilterRule.builder();
    if (r.nextInt(3) == 0) {
      b.source(CIDRS[r.nextInt(CIDRS.length)]);
    }
    if (r.nextInt(3) == 0) {
      b.destination(CIDRS[r.nextInt(CIDRS.length)]);
    }
    for (int i = r.nextInt(3); i > 0 && r.nextInt(2) == 0; i--) {
      b.sourcePort(range(r));
    }
    for (int i = r.nextInt(6); i > 0 && r.nextInt(3) > 0; i--) {
      b.destinationPort(range(r));
    }
    if (r.nextInt(4) == 0) {
      b.port(range(r));
    }
    for (int i = r.nextInt(3); i > 0; i--) {
      b.protocol(PROTOS[r.nextInt(PROTOS.length)]);
    }
    if (r.nextInt(4) == 0) {
      b.direction(r.nextBoolean() ? Direction.INGRESS : Direction.EGRESS);
    }
    if (r.nextInt(8) == 0) {
      b.kind(r.nextBoolean() ? TargetKind.TC : TargetKind.CGROUP);
    }
    return b.build();
  }

  private static byte[] l4(int proto, int sport, int dport) {
    return switch (proto) {
      case 6 -> Packets.tcp(sport, dport, 0x10, 0, 4);
      case 17 -> Packets.udp(sport, dport, 4);
      case 132 -> Packets.concat(Packets.udp(sport, dport, 4), new byte[4]);
      case 1, 58 -> Packets.icmp(sport & 0xff, dport & 0xff, 4);
      default -> new byte[12];
    };
  }

  @Test
  void kernelAndJavaAgreeOnRandomRulesAndPackets() {
    Random r = new Random(7);
    BpfProgram in = dp.object().program(FlowLayout.PROG_TC_INGRESS);
    BpfProgram out = dp.object().program(FlowLayout.PROG_TC_EGRESS);
    int checked = 0;
    int accounted = 0;
    for (int set = 0; set < 60; set++) {
      List<FilterRule> rules = new ArrayList<>();
      for (int i = r.nextInt(4); i > 0; i--) {
        rules.add(randomRule(r));
      }
      try {
        dp.setFilters(rules);
      } catch (IllegalArgumentException tooMany) {
        continue;
      }
      for (int p = 0; p < 40; p++) {
        boolean v6 = r.nextBoolean();
        String[] pool = v6 ? V6 : V4;
        String src = pool[r.nextInt(pool.length)];
        String dst = pool[r.nextInt(pool.length)];
        int proto = PROTOS[r.nextInt(PROTOS.length)];
        if (proto == 58 && !v6 || proto == 1 && v6) {
          proto = 17;
        }
        int sport = 1 + r.nextInt(50);
        int dport = 1 + r.nextInt(50);
        byte[] frame =
            v6
                ? Packets.eth(0x86dd, Packets.ipv6(proto, src, dst, l4(proto, sport, dport)))
                : Packets.eth(0x0800, Packets.ipv4(proto, src, dst, l4(proto, sport, dport)));
        Direction d = r.nextBoolean() ? Direction.INGRESS : Direction.EGRESS;
        boolean icmp = proto == 1 || proto == 58;
        boolean ports = proto == 6 || proto == 17 || proto == 132;
        FlowKey key =
            new FlowKey(
                mapped(src, v6),
                mapped(dst, v6),
                ports ? sport : icmp ? sport & 0xff : 0,
                ports ? dport : icmp ? dport & 0xff : 0,
                proto,
                v6 ? 6 : 4,
                TargetKind.TC,
                1,
                d);
        long before = dp.counters().accounted();
        (d == Direction.INGRESS ? in : out).testRun(frame, 1);
        boolean kernel = dp.counters().accounted() - before == 1;
        assertEquals(FilterRule.accounts(rules, key), kernel, () -> key + " under " + rules);
        checked++;
        accounted += kernel ? 1 : 0;
      }
    }
    System.out.printf("filter semantics: %d packets checked, %d accounted%n", checked, accounted);
    dp.setFilters(List.of());
  }

  private static byte[] mapped(String addr, boolean v6) {
    byte[] a = Packets.addr(addr);
    if (v6) {
      return a;
    }
    return ByteBuffer.allocate(16).put(10, (byte) 0xff).put(11, (byte) 0xff).put(12, a).array();
  }
}
