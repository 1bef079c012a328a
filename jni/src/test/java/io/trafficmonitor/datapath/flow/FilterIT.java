package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelSupport;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.TestNetwork;
import io.trafficmonitor.bpf.Traffic;
import java.net.DatagramSocket;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** In-kernel filters: what is outside is not counted; changes apply without reloading. */
class FilterIT {
  private static TestNetwork net;
  private FlowDatapath dp;
  private int ifA;

  @BeforeAll
  static void setUp() {
    KernelSupport.require();
    net = new TestNetwork("fi");
  }

  @AfterAll
  static void tearDown() {
    if (net != null) {
      net.close();
    }
  }

  @BeforeEach
  void attach() throws Exception {
    dp = FlowDatapath.open();
    ifA = net.ifindexA();
    NetNs.callIn(net.pathA(), () -> dp.attachInterface(ifA, Direction.EGRESS));
  }

  @AfterEach
  void detach() {
    if (dp != null) {
      dp.close();
    }
  }

  private void send(String src, String dst, int sport, int dport, int count) throws Exception {
    int[] sizes = new int[count];
    Arrays.fill(sizes, 100);
    try (DatagramSocket rx = Traffic.udpSocket(net.pathB(), dst, dport)) {
      Traffic.udpExchange(rx, net.pathA(), src, sport, dst, dport, sizes);
    }
  }

  private long packets(String src, int sport, String dst, int dport) {
    return Flows.matching(dp, Flows.udp(src, sport, dst, dport)).stream()
        .mapToLong(e -> e.getValue().packets())
        .sum();
  }

  @Test
  void portFilterCountsOnlyMatchingTrafficAndChangesAtRunTime() throws Exception {
    dp.setFilters(
        List.of(FilterRule.builder().protocol(FlowKey.UDP).destinationPort("6001").build()));
    long filteredBefore = dp.counters().filtered();
    send(net.ipA, net.ipB, 7001, 6001, 10);
    send(net.ipA, net.ipB, 7002, 6002, 7);
    assertEquals(10, packets(net.ipA, 7001, net.ipB, 6001));
    assertEquals(0, packets(net.ipA, 7002, net.ipB, 6002));
    // the 7 datagrams, plus whatever IPv6 neighbour discovery or MLD the veth sent meanwhile
    long filtered = dp.counters().filtered() - filteredBefore;
    assertTrue(filtered >= 7 && filtered <= 10, "filtered " + filtered);

    // switch to a range on either side, without reloading
    dp.setFilters(List.of(FilterRule.builder().port("6002-6003").build()));
    send(net.ipA, net.ipB, 7001, 6001, 5);
    send(net.ipA, net.ipB, 7002, 6002, 3);
    assertEquals(10, packets(net.ipA, 7001, net.ipB, 6001), "6001 no longer counted");
    assertEquals(3, packets(net.ipA, 7002, net.ipB, 6002));

    // back to everything
    dp.setFilters(List.of());
    send(net.ipA, net.ipB, 7001, 6001, 2);
    assertEquals(12, packets(net.ipA, 7001, net.ipB, 6001));
  }

  @Test
  void cidrAndProtocolRulesAreOred() throws Exception {
    dp.setFilters(
        List.of(
            FilterRule.builder().destination(net.ipB + "/32").sourcePort("7100-7109").build(),
            FilterRule.builder().source(net.ip6A.replaceAll("::1$", "::/64")).build()));
    send(net.ipA, net.ipB, 7105, 6100, 4); // rule 1
    send(net.ipA, net.ipB, 7110, 6100, 4); // source port outside: none
    send(net.ip6A, net.ip6B, 7110, 6100, 6); // rule 2 (IPv6 source block)
    assertEquals(4, packets(net.ipA, 7105, net.ipB, 6100));
    assertEquals(0, packets(net.ipA, 7110, net.ipB, 6100));
    assertEquals(6, packets(net.ip6A, 7110, net.ip6B, 6100));

    dp.setFilters(List.of(FilterRule.builder().protocol(FlowKey.TCP).build()));
    send(net.ipA, net.ipB, 7105, 6100, 4);
    assertEquals(4, packets(net.ipA, 7105, net.ipB, 6100), "UDP no longer counted");
    assertTrue(dp.counters().filtered() >= 8);
  }

  @Test
  void directionRule() throws Exception {
    NetNs.callIn(net.pathA(), () -> dp.attachInterface(ifA, Direction.INGRESS));
    dp.setFilters(List.of(FilterRule.builder().direction(Direction.INGRESS).build()));
    send(net.ipA, net.ipB, 7201, 6201, 3); // egress of a: filtered
    assertEquals(0, packets(net.ipA, 7201, net.ipB, 6201));
    int[] sizes = {50, 60};
    try (DatagramSocket rx = Traffic.udpSocket(net.pathA(), net.ipA, 6202)) {
      Traffic.udpExchange(rx, net.pathB(), net.ipB, 7202, net.ipA, 6202, sizes);
    }
    assertEquals(2, packets(net.ipB, 7202, net.ipA, 6202));
  }
}
