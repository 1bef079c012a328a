package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.testing.Sh;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * rtnetlink against the kernel, checked against ip(8) and tc(8): the interfaces of a namespace with
 * their veth peers, namespace ids by file and by pid, the other namespace's interfaces and
 * addresses read by id without entering it, clsact filters listed and deleted.
 */
class NetlinkIT {
  private static TestNetwork net;
  private static Process inB;

  @BeforeAll
  static void setUp() throws Exception {
    KernelSupport.require();
    net = new TestNetwork("nl");
    inB = new ProcessBuilder("nsenter", "--net=" + net.pathB(), "sleep", "300").start();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (inB != null) {
      inB.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    if (net != null) {
      net.close();
    }
  }

  private static Netlink.Link named(List<Netlink.Link> links, String name) {
    return links.stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void linksPeersAndNamespaceIdsWithoutEnteringThePeer() throws Exception {
    try (Netlink a = Netlink.open(Optional.of(net.pathA()))) {
      List<Netlink.Link> links = a.links();
      assertEquals(1, named(links, "lo").ifindex());
      Netlink.Link va = named(links, "va");
      assertEquals(net.ifindexA(), va.ifindex());
      assertEquals("veth", va.kind());
      assertTrue(va.peerElsewhere());
      assertEquals(net.ifindexB(), va.peerIfindex());
      assertTrue(va.peerNetnsid() >= 0);
      // ip(8) agrees on the peer's namespace id
      String ip = Sh.ok("ip -n " + net.nsA + " -j link show va");
      assertTrue(ip.contains("\"link_netnsid\":" + va.peerNetnsid()), ip);

      int nsid = a.nsidOf(net.pathB());
      assertEquals(va.peerNetnsid(), nsid);
      assertEquals(nsid, a.nsidOfPid(inB.pid()));
      assertEquals(Netlink.NSID_NOT_ASSIGNED, a.nsidOfPid(ProcessHandle.current().pid()));

      Netlink.Link vb = named(a.links(nsid), "vb");
      assertEquals(va.peerIfindex(), vb.ifindex());
      assertEquals(va.ifindex(), vb.peerIfindex());
      assertTrue(
          a.addresses(nsid)
              .contains(new Netlink.Address(vb.ifindex(), InetAddress.getByName(net.ipB))));
    }
  }

  @Test
  void theCallersNamespaceWithoutAPath() throws Exception {
    int lo = NetworkInterface.getByName("lo").getIndex();
    try (Netlink self = Netlink.open(Optional.empty())) {
      assertEquals(lo, named(self.links(), "lo").ifindex());
    }
  }

  @Test
  void errorsCarryTheOperationAndErrno() {
    try (Netlink a = Netlink.open(Optional.of(net.pathA()))) {
      BpfException e = assertThrows(BpfException.class, () -> a.links(4242));
      assertEquals("RTM_GETLINK", e.operation());
      assertNotEquals(0, e.errno());
      a.close();
      a.close();
      assertThrows(BpfException.class, a::links);
    }
  }

  @Test
  void clsactFiltersAreListedAndDeleted() throws Exception {
    try (BpfObject obj = BpfObject.openResource(BpfObjectIT.TEST_DROP_NTH, "tm_nl").load();
        Netlink a = Netlink.open(Optional.of(net.pathA()))) {
      int ifA = net.ifindexA();
      BpfProgram in = obj.program("tm_test_drop_nth");
      BpfLink link =
          NetNs.callIn(net.pathA(), () -> in.attachTc(ifA, Direction.INGRESS, TcMode.CLSACT));
      List<Netlink.TcFilter> filters = a.tcFilters(ifA, true);
      assertEquals(1, filters.size(), filters.toString());
      Netlink.TcFilter f = filters.get(0);
      // the kernel keeps 15 characters of a program name
      assertTrue(f.programName().startsWith("tm_test_drop_nt"), f.toString());
      assertEquals(in.stats().id(), f.programId());
      assertTrue(f.ingress());
      assertEquals(List.of(), a.tcFilters(ifA, false));
      String tc = Sh.ok("ip netns exec " + net.nsA + " tc filter show dev va ingress");
      assertTrue(tc.contains("pref " + f.priority()) && tc.contains("id " + f.programId()), tc);

      a.deleteTcFilter(f);
      assertEquals(List.of(), a.tcFilters(ifA, true));
      assertEquals("", Sh.ok("ip netns exec " + net.nsA + " tc filter show dev va ingress").trim());
      link.close(); // already gone: closing stays quiet
      BpfException e = assertThrows(BpfException.class, () -> a.deleteTcFilter(f));
      assertEquals("RTM_DELTFILTER", e.operation());
    }
  }
}
