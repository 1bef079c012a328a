package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.BpfException;
import io.trafficmonitor.bpf.BpfLink;
import io.trafficmonitor.bpf.BpfObject;
import io.trafficmonitor.bpf.BpfProgram;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelSupport;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.bpf.TestNetwork;
import io.trafficmonitor.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Detaching leaves nothing behind: no tc filter, no link, no program, no pinned object. */
class DetachIT {
  private static TestNetwork net;
  private static Path cgroup;

  @BeforeAll
  static void setUp() throws Exception {
    KernelSupport.require();
    net = new TestNetwork("de");
    cgroup = KernelSupport.cgroup2Root().resolve("tm-detach-" + ProcessHandle.current().pid());
    Files.createDirectories(cgroup);
  }

  @AfterAll
  static void tearDown() {
    if (net != null) {
      net.close();
    }
    if (cgroup != null) {
      Sh.quiet("rmdir " + cgroup);
    }
  }

  private static String tcFilters(String ns, String dev, String hook) {
    return Sh.quiet("ip netns exec " + ns + " tc filter show dev " + dev + " " + hook).trim();
  }

  private static boolean linkOf(int progId) {
    return Sh.quiet("bpftool link show")
        .lines()
        .anyMatch(l -> l.matches(".*\\bprog " + progId + "\\b.*"));
  }

  private static boolean progExists(int progId) {
    return Sh.run(List.of("bpftool", "prog", "show", "id", Integer.toString(progId))).succeeded();
  }

  @Test
  void closingLinksAndObjectLeavesNothing() throws Exception {
    FlowDatapath dp = FlowDatapath.open();
    BpfObject obj = dp.object();
    List<Integer> ids = new ArrayList<>();
    for (String p :
        List.of(
            FlowLayout.PROG_TC_INGRESS,
            FlowLayout.PROG_TC_EGRESS,
            FlowLayout.PROG_CG_INGRESS,
            FlowLayout.PROG_CG_EGRESS)) {
      ids.add(obj.program(p).stats().id());
    }
    int ifA = net.ifindexA();
    int ifB = net.ifindexB();
    BpfLink tcxIn = NetNs.callIn(net.pathA(), () -> dp.attachInterface(ifA, Direction.INGRESS));
    BpfLink tcxOut = NetNs.callIn(net.pathA(), () -> dp.attachInterface(ifA, Direction.EGRESS));
    BpfProgram tcIn = obj.program(FlowLayout.PROG_TC_INGRESS);
    BpfLink clsIn =
        NetNs.callIn(net.pathB(), () -> tcIn.attachTc(ifB, Direction.INGRESS, TcMode.CLSACT));
    BpfLink clsOut =
        NetNs.callIn(
            net.pathB(),
            () ->
                obj.program(FlowLayout.PROG_TC_EGRESS)
                    .attachTc(ifB, Direction.EGRESS, TcMode.CLSACT));
    BpfLink cgIn = dp.attachCgroup(cgroup, Direction.INGRESS);
    dp.attachCgroup(cgroup, Direction.EGRESS);

    assertEquals(BpfLink.Kind.TCX, tcxIn.kind(), "tcx on a 6.6+ kernel");
    assertEquals(BpfLink.Kind.CLSACT, clsIn.kind());
    assertTrue(linkOf(ids.get(0)), "tcx link visible");
    assertTrue(linkOf(ids.get(2)), "cgroup link visible");
    assertTrue(tcFilters(net.nsB, "vb", "ingress").contains("tm_tc_ingress"));
    assertTrue(tcFilters(net.nsB, "vb", "egress").contains("tm_tc_egress"));
    assertTrue(Sh.quiet("bpftool cgroup show " + cgroup).contains("tm_cg_ingress"));

    // one link at a time, twice each
    clsIn.close();
    clsIn.close();
    assertEquals("", tcFilters(net.nsB, "vb", "ingress"));
    assertTrue(tcFilters(net.nsB, "vb", "egress").contains("tm_tc_egress"));
    tcxIn.close();
    tcxIn.close();
    cgIn.close();
    assertFalse(Sh.quiet("bpftool cgroup show " + cgroup).contains("tm_cg_ingress"));

    // the rest with the object, twice
    dp.close();
    dp.close();
    assertTrue(tcxOut.isClosed() && clsOut.isClosed());
    assertEquals("", tcFilters(net.nsB, "vb", "egress"));
    assertEquals("", tcFilters(net.nsA, "va", "ingress"));
    assertEquals("", tcFilters(net.nsA, "va", "egress"));
    assertEquals("", Sh.quiet("bpftool cgroup show " + cgroup).trim());
    for (int id : ids) {
      assertFalse(linkOf(id), "no link of prog " + id);
    }
    // programs are freed asynchronously (RCU): wait up to 5 s
    long deadline = System.nanoTime() + 5_000_000_000L;
    for (int id : ids) {
      while (progExists(id) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertFalse(progExists(id), "prog " + id + " freed");
    }
    // nothing pinned anywhere bpffs is mounted
    for (String mnt : Sh.quiet("awk '$3==\"bpf\"{print $2}' /proc/mounts").split("\\s+")) {
      if (mnt.isEmpty()) {
        continue;
      }
      try (Stream<Path> s = Files.walk(Path.of(mnt), 3)) {
        assertTrue(
            s.noneMatch(p -> p.getFileName().toString().startsWith("tm_")),
            "no pinned tm_ object under " + mnt);
      }
    }
  }

  @Test
  void usingAClosedObjectFailsCleanly() {
    FlowDatapath dp = FlowDatapath.open();
    BpfProgram p = dp.object().program(FlowLayout.PROG_TC_INGRESS);
    dp.close();
    BpfException e = Assertions.assertThrows(BpfException.class, p::fd);
    assertEquals(9, e.errno(), "EBADF: " + e.getMessage());
  }
}
