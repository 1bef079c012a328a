package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.BpfException;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelSupport;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.TestNetwork;
import io.trafficmonitor.bpf.Traffic;
import io.trafficmonitor.bpf.XdpLink;
import io.trafficmonitor.bpf.XdpMode;
import java.net.DatagramSocket;
import java.util.Arrays;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * XDP ingress accounting against the ground truth and against TC: datagrams of known sizes from
 * netns a to b, counted at b's veth ingress by the XDP program of one datapath and by the TC
 * ingress program of another, at the same time on the same packets. veth has native XDP; generic is
 * forced too.
 */
class XdpAccountingIT {
  private TestNetwork net;

  @BeforeEach
  void setUp() {
    KernelSupport.require();
    net = new TestNetwork("xdp");
  }

  @AfterEach
  void tearDown() {
    if (net != null) {
      net.close();
    }
  }

  /** 64 datagrams of sizes 1..1400 bytes. */
  private static int[] sizes() {
    return IntStream.range(0, 64).map(i -> 1 + (i * 97) % 1400).toArray();
  }

  private XdpLink attachXdp(FlowDatapath dp, XdpMode mode) throws Exception {
    int ifB = net.ifindexB();
    return NetNs.callIn(net.pathB(), () -> dp.attachInterfaceXdp(ifB, mode));
  }

  private void udpExact(XdpMode mode, XdpMode expected, boolean v6, int port) throws Exception {
    int[] sizes = sizes();
    String src = v6 ? net.ip6A : net.ipA;
    String dst = v6 ? net.ip6B : net.ipB;
    int l3hdr = v6 ? 40 + 8 : 20 + 8;
    int ifB = net.ifindexB();
    try (FlowDatapath xdp = FlowDatapath.open();
        FlowDatapath tc = FlowDatapath.open()) {
      XdpLink link = attachXdp(xdp, mode);
      assertEquals(expected, link.mode(), "mode");
      NetNs.callIn(net.pathB(), () -> tc.attachInterface(ifB, Direction.INGRESS));
      try (DatagramSocket rx = Traffic.udpSocket(net.pathB(), dst, port)) {
        Traffic.udpExchange(rx, net.pathA(), src, port + 1000, dst, port, sizes);
      }
      Predicate<FlowKey> flow =
          Flows.udp(src, port + 1000, dst, port)
              .and(k -> k.kind() == TargetKind.TC && k.target() == ifB)
              .and(k -> k.direction() == Direction.INGRESS);
      FlowStats x = Flows.one(xdp, flow);
      FlowStats t = Flows.one(tc, flow);
      long payload = Arrays.stream(sizes).asLongStream().sum();
      assertEquals(sizes.length, x.packets(), "XDP packets");
      assertEquals(payload + (long) l3hdr * sizes.length, x.bytes(), "XDP L3 bytes");
      assertEquals(payload, x.payloadBytes(), "XDP payload bytes");
      assertEquals(t.packets(), x.packets(), "XDP packets = TC packets");
      assertEquals(t.bytes(), x.bytes(), "XDP bytes = TC bytes");
      assertEquals(t.payloadBytes(), x.payloadBytes(), "XDP payload = TC payload");
      assertEquals(t.sizes(), x.sizes(), "XDP size histogram = TC's");
      assertEquals(0, xdp.counters().errors());
      assertEquals(0, xdp.counters().truncated());
      link.close();
      link.close(); // twice is safe
      assertFalse(NetNs.callIn(net.pathB(), () -> XdpMode.onInterface(ifB)).present(), "detached");
    }
  }

  @Test
  void nativeUdpIpv4EqualsGroundTruthAndTc() throws Exception {
    udpExact(XdpMode.AUTO, XdpMode.NATIVE, false, 5101);
  }

  @Test
  void nativeUdpIpv6EqualsGroundTruthAndTc() throws Exception {
    udpExact(XdpMode.NATIVE, XdpMode.NATIVE, true, 5102);
  }

  @Test
  void genericUdpIpv4EqualsGroundTruthAndTc() throws Exception {
    udpExact(XdpMode.GENERIC, XdpMode.GENERIC, false, 5103);
  }

  @Test
  void genericUdpIpv6EqualsGroundTruthAndTc() throws Exception {
    udpExact(XdpMode.GENERIC, XdpMode.GENERIC, true, 5104);
  }

  /**
   * TCP (3 MiB): native XDP counts every frame the driver receives; TC ingress behind it counts the
   * same, GRO batches by their segments. Packets, bytes and payload equal; the payload equals what
   * was sent unless namespace a's kernel counted a retransmission (a segment that arrives twice is
   * counted twice, by both): then another transfer is made, three at most.
   */
  @Test
  void nativeTcpEqualsTc() throws Exception {
    for (int attempt = 1; !nativeTcpEqualsTc(5109 + attempt); attempt++) {
      assertTrue(attempt < 3, "three transfers in a row had retransmissions: the machine is busy");
    }
  }

  /** One transfer; false when segments were retransmitted (XDP and TC still agree). */
  private boolean nativeTcpEqualsTc(int port) throws Exception {
    long bytes = (3L << 20) + 12345;
    int ifB = net.ifindexB();
    try (FlowDatapath xdp = FlowDatapath.open();
        FlowDatapath tc = FlowDatapath.open()) {
      assertEquals(XdpMode.NATIVE, attachXdp(xdp, XdpMode.AUTO).mode());
      NetNs.callIn(net.pathB(), () -> tc.attachInterface(ifB, Direction.INGRESS));
      TestNetwork.Losses before = net.lossesOfA();
      Traffic.TcpResult r = Traffic.tcpTransfer(net.pathA(), net.pathB(), net.ipB, port, bytes);
      TestNetwork.Losses lost = net.lossesOfA().since(before);
      assertEquals(bytes, r.received());
      Predicate<FlowKey> in =
          k ->
              k.protocol() == FlowKey.TCP
                  && k.target() == ifB
                  && k.direction() == Direction.INGRESS
                  && k.sourcePort() == r.clientPort();
      FlowStats x = Flows.one(xdp, in);
      FlowStats t = Flows.one(tc, in);
      assertEquals(t.packets(), x.packets(), "XDP packets = TC packets");
      assertEquals(t.bytes(), x.bytes(), "XDP bytes = TC bytes");
      assertEquals(t.payloadBytes(), x.payloadBytes(), "XDP payload = TC payload");
      if (lost.retransmittedSegments() == 0) {
        assertEquals(bytes, x.payloadBytes(), "XDP payload = what was sent");
        return true;
      }
      System.out.printf(
          "transfer to port %d lost segments (%s), XDP payload %d%n", port, lost, x.payloadBytes());
      assertTrue(x.payloadBytes() >= bytes, "XDP saw every byte at least once");
      return false;
    }
  }

  /** Another program's XDP is never replaced: a clear error, and that program stays. */
  @Test
  void anInterfaceWithAnotherXdpProgramIsLeftAlone() throws Exception {
    int ifB = net.ifindexB();
    try (FlowDatapath other = FlowDatapath.open();
        FlowDatapath ours = FlowDatapath.open()) {
      XdpLink theirs = attachXdp(other, XdpMode.NATIVE);
      int id = NetNs.callIn(net.pathB(), () -> XdpMode.onInterface(ifB)).programId();
      for (XdpMode mode : XdpMode.values()) {
        BpfException e = assertThrows(BpfException.class, () -> attachXdp(ours, mode));
        assertTrue(e.getMessage().contains("already has an XDP program (id " + id), e.getMessage());
      }
      assertEquals(id, NetNs.callIn(net.pathB(), () -> XdpMode.onInterface(ifB)).programId());
      theirs.close();
    }
  }
}
