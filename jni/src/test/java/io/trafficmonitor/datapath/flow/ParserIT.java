package io.trafficmonitor.datapath.flow;

import static io.trafficmonitor.bpf.Packets.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.BpfProgram;
import io.trafficmonitor.bpf.KernelSupport;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The parser on crafted packets through BPF_PROG_TEST_RUN: every packet is passed (verdict
 * TC_ACT_UNSPEC / cgroup allow) and counted as what it is.
 */
class ParserIT {
  private static final int TC_ACT_UNSPEC = -1;
  private static final int ETH_IP = 0x0800;
  private static final int ETH_IPV6 = 0x86dd;
  private static final int TCP = 6;
  private static final int UDP = 17;
  private static FlowDatapath dp;
  private static BpfProgram tc;
  private DatapathCounters before;

  @BeforeAll
  static void load() {
    KernelSupport.require();
    dp = FlowDatapath.open();
    tc = dp.object().program(FlowLayout.PROG_TC_INGRESS);
  }

  @AfterAll
  static void close() {
    if (dp != null) {
      dp.close();
    }
  }

  @BeforeEach
  void snapshot() {
    before = dp.counters();
  }

  private void run(byte[] frame) {
    assertEquals(TC_ACT_UNSPEC, tc.testRun(frame, 1).retval(), "verdict");
  }

  private long[] delta() {
    DatapathCounters a = dp.counters();
    return new long[] {
      a.seen() - before.seen(),
      a.accounted() - before.accounted(),
      a.nonIp() - before.nonIp(),
      a.truncated() - before.truncated(),
      a.malformed() - before.malformed(),
      a.fragments() - before.fragments()
    };
  }

  /** seen, accounted, nonIp, truncated, malformed, fragments. */
  private void assertDelta(long... expected) {
    assertEquals(Arrays.toString(expected), Arrays.toString(delta()));
  }

  private static Predicate<FlowKey> ports(int proto, int sport, int dport) {
    return k -> k.protocol() == proto && k.sourcePort() == sport && k.destinationPort() == dport;
  }

  @Test
  void ipv4Udp() {
    run(eth(ETH_IP, ipv4(UDP, "10.1.0.1", "10.1.0.2", udp(1000, 2000, 100))));
    assertDelta(1, 1, 0, 0, 0, 0);
    FlowStats s = Flows.one(dp, ports(UDP, 1000, 2000));
    assertEquals(128, s.bytes());
    assertEquals(100, s.payloadBytes());
    assertEquals(1, s.packets());
  }

  @Test
  void ipv4WithOptionsAndTcpOptions() {
    byte[] options = new byte[12];
    Arrays.fill(options, (byte) 1); // NOP
    run(eth(ETH_IP, ipv4(TCP, "10.1.0.1", "10.1.0.2", options, 0, tcp(1001, 2001, 0x02, 20, 33))));
    assertDelta(1, 1, 0, 0, 0, 0);
    FlowStats s = Flows.one(dp, ports(TCP, 1001, 2001));
    assertEquals(32 + 40 + 33, s.bytes());
    assertEquals(33, s.payloadBytes());
    assertEquals(0x02, s.tcpFlags());
  }

  @Test
  void ipv4PaddedFrameCountsIpLengthOnly() {
    byte[] frame = eth(ETH_IP, ipv4(UDP, "10.1.0.1", "10.1.0.2", udp(1002, 2002, 1)));
    run(Arrays.copyOf(frame, 60)); // Ethernet minimum size padding
    FlowStats s = Flows.one(dp, ports(UDP, 1002, 2002));
    assertEquals(29, s.bytes());
  }

  @Test
  void vlanTaggedIpv4() {
    run(eth(0x8100, vlan(7, ETH_IP, ipv4(UDP, "10.1.0.1", "10.1.0.2", udp(1003, 2003, 10)))));
    assertDelta(1, 1, 0, 0, 0, 0);
    assertEquals(38, Flows.one(dp, ports(UDP, 1003, 2003)).bytes());
  }

  @Test
  void ipv4Fragments() {
    byte[] first = ipv4(UDP, "10.1.0.1", "10.1.0.2", new byte[0], 0x2000, udp(1004, 2004, 64));
    byte[] later = ipv4(UDP, "10.1.0.1", "10.1.0.2", new byte[0], 9, new byte[40]);
    run(eth(ETH_IP, first));
    run(eth(ETH_IP, later));
    assertDelta(2, 2, 0, 0, 0, 2);
    FlowStats s = Flows.one(dp, ports(UDP, 1004, 2004));
    assertTrue(s.fragmented());
    FlowStats rest =
        Flows.one(
            dp,
            k -> ports(UDP, 0, 0).test(k) && k.sourceAddress().getHostAddress().equals("10.1.0.1"));
    assertEquals(60, rest.bytes());
    assertEquals(40, rest.payloadBytes(), "no transport header in a later fragment");
  }

  @Test
  void ipv6WithExtensionHeaders() {
    byte[] l4 = udp(1005, 2005, 20);
    byte[] rest = concat(ext(60, 1), ext(43, 2), ext(UDP, 1), l4); // hop, dest, routing
    run(eth(ETH_IPV6, ipv6(0, "fd00::1", "fd00::2", rest)));
    assertDelta(1, 1, 0, 0, 0, 0);
    FlowStats s = Flows.one(dp, ports(UDP, 1005, 2005));
    assertEquals(40 + 32 + 28, s.bytes());
    assertEquals(20, s.payloadBytes());
  }

  @Test
  void ipv6Fragments() {
    byte[] first = concat(frag6(TCP, 0, true), tcp(1006, 2006, 0x18, 0, 100));
    byte[] later = concat(frag6(TCP, 15, false), new byte[50]);
    run(eth(ETH_IPV6, ipv6(44, "fd00::1", "fd00::2", first)));
    run(eth(ETH_IPV6, ipv6(0, "fd00::1", "fd00::2", concat(ext(44, 1), later))));
    assertDelta(2, 2, 0, 0, 0, 2);
    assertTrue(Flows.one(dp, ports(TCP, 1006, 2006)).fragmented());
    FlowStats rest =
        Flows.one(
            dp, k -> ports(TCP, 0, 0).test(k) && k.sourceAddress().getHostAddress().endsWith(":1"));
    assertEquals(50, rest.payloadBytes());
  }

  @Test
  void icmpTypeAndCode() {
    run(eth(ETH_IP, ipv4(1, "10.1.0.1", "10.1.0.2", icmp(8, 0, 56))));
    run(eth(ETH_IPV6, ipv6(58, "fd00::1", "fd00::2", icmp(128, 0, 56))));
    assertDelta(2, 2, 0, 0, 0, 0);
    assertEquals(84, Flows.one(dp, ports(1, 8, 0)).bytes());
    assertEquals(104, Flows.one(dp, ports(58, 128, 0)).bytes());
  }

  @Test
  void otherProtocolCountedWithoutPorts() {
    run(eth(ETH_IP, ipv4(47, "10.1.0.7", "10.1.0.8", new byte[30]))); // GRE
    assertDelta(1, 1, 0, 0, 0, 0);
    assertEquals(50, Flows.one(dp, ports(47, 0, 0)).bytes());
  }

  @Test
  void arpIsNonIp() {
    run(eth(0x0806, new byte[28]));
    assertDelta(1, 0, 1, 0, 0, 0);
  }

  @Test
  void truncatedHeaders() {
    byte[] ip = ipv4(TCP, "10.1.0.1", "10.1.0.2", tcp(1007, 2007, 0x10, 0, 0));
    // test_run refuses an IPv4 ethertype shorter than an IPv4 header: hide it behind a VLAN tag
    run(eth(0x8100, vlan(7, ETH_IP, Arrays.copyOf(ip, 10)))); // half an IPv4 header
    run(eth(ETH_IP, Arrays.copyOf(ip, 28))); // claims 40 bytes, has 28
    byte[] shortTcp = ipv4(TCP, "10.1.0.1", "10.1.0.2", new byte[8]); // consistent, no room
    run(eth(ETH_IP, shortTcp));
    byte[] ip6 = ipv6(0, "fd00::1", "fd00::2", concat(ext(UDP, 1), udp(1, 2, 0)));
    run(eth(ETH_IPV6, Arrays.copyOf(ip6, 44))); // inside the hop-by-hop header
    run(eth(0x8100, vlan(7, ETH_IPV6, Arrays.copyOf(ip6, 20)))); // half an IPv6 header
    assertDelta(5, 0, 0, 5, 0, 0);
  }

  @Test
  void malformedHeaders() {
    byte[] badVersion = ipv4(UDP, "10.1.0.1", "10.1.0.2", udp(1, 2, 4));
    badVersion[0] = 0x75;
    byte[] badIhl = ipv4(UDP, "10.1.0.1", "10.1.0.2", udp(1, 2, 4));
    badIhl[0] = 0x43;
    byte[] badDoff = ipv4(TCP, "10.1.0.1", "10.1.0.2", tcp(1, 2, 0, 0, 8));
    badDoff[20 + 12] = 0x20;
    run(eth(ETH_IP, badVersion));
    run(eth(ETH_IP, badIhl));
    run(eth(ETH_IP, badDoff));
    assertDelta(3, 0, 0, 0, 3, 0);
  }

  @Test
  void randomGarbageIsAlwaysPassedAndAccountedFor() {
    Random r = new Random(42);
    int n = 2000;
    for (int i = 0; i < n; i++) {
      byte[] frame = new byte[14 + r.nextInt(120)];
      r.nextBytes(frame);
      if (i % 2 == 0) { // half look like IP
        frame[12] = (byte) (i % 4 == 0 ? 0x08 : 0x86);
        frame[13] = (byte) (i % 4 == 0 ? 0x00 : 0xdd);
      }
      if (i % 2 == 0 && frame.length < 14 + 40) {
        frame = Arrays.copyOf(frame, 14 + 40); // test_run wants the IP header it was promised
      }
      run(frame);
    }
    long[] d = delta();
    assertEquals(n, d[0]);
    DatapathCounters a = dp.counters();
    long filtered = a.filtered() - before.filtered();
    assertEquals(n, d[1] + d[2] + d[3] + d[4] + filtered, "every packet counted as something");
  }

  @Test
  void cgroupProgramAllowsAndCounts() {
    BpfProgram cg = dp.object().program(FlowLayout.PROG_CG_EGRESS);
    byte[] frame = eth(ETH_IP, ipv4(UDP, "10.1.0.1", "10.1.0.2", udp(1010, 2010, 10)));
    assertEquals(1, cg.testRun(frame, 1).retval());
    assertDelta(1, 1, 0, 0, 0, 0);
    FlowStats s = Flows.one(dp, ports(UDP, 1010, 2010).and(k -> k.kind() == TargetKind.CGROUP));
    assertEquals(38, s.bytes());
  }
}
