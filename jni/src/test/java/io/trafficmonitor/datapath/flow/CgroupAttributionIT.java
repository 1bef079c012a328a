package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelSupport;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.TestNetwork;
import io.trafficmonitor.bpf.Traffic;
import io.trafficmonitor.bpf.TrafficTool;
import io.trafficmonitor.testing.Sh;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two processes in two cgroups: each one's traffic is attributed to its own cgroup id. */
class CgroupAttributionIT {
  private static TestNetwork net;
  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    KernelSupport.require();
    net = new TestNetwork("cg");
    dir = KernelSupport.cgroup2Root().resolve("tm-it-" + ProcessHandle.current().pid());
    Files.createDirectories(dir.resolve("a"));
    Files.createDirectories(dir.resolve("b"));
  }

  @AfterAll
  static void tearDown() {
    if (net != null) {
      net.close();
    }
    if (dir != null) {
      // processes have exited; empty cgroups can be removed
      Sh.quiet("rmdir " + dir.resolve("a") + " " + dir.resolve("b") + " " + dir);
    }
  }

  private static long cgroupId(Path p) throws Exception {
    return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
  }

  /** Runs TrafficTool in cgroup cg, inside netns a; returns its output. */
  private static String tool(Path cg, String args) throws Exception {
    return Sh.ok(
        "echo $$ > "
            + cg.resolve("cgroup.procs")
            + " && exec nsenter --net="
            + net.pathA()
            + " "
            + TrafficTool.commandLine(args));
  }

  @Test
  void eachProcessTrafficGoesToItsOwnCgroup() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    long idA = cgroupId(a);
    long idB = cgroupId(b);
    assertNotEquals(idA, idB);
    try (FlowDatapath dp = FlowDatapath.open()) {
      for (Path cg : new Path[] {a, b}) {
        dp.attachCgroup(cg, Direction.INGRESS);
        dp.attachCgroup(cg, Direction.EGRESS);
      }
      int[] sizesA = new int[20];
      int[] sizesB = new int[30];
      Arrays.fill(sizesA, 200);
      Arrays.fill(sizesB, 300);
      try (DatagramSocket rx = Traffic.udpSocket(net.pathB(), net.ipB, 6300)) {
        tool(a, "udp " + net.ipA + " 7301 " + net.ipB + " 6300 20 200");
        tool(b, "udp " + net.ipA + " 7302 " + net.ipB + " 6300 30 300");
        byte[] buf = new byte[2048];
        for (int i = 0; i < 50; i++) {
          rx.receive(new DatagramPacket(buf, buf.length));
        }
      }
      FlowStats fa =
          Flows.one(
              dp,
              Flows.udp(net.ipA, 7301, net.ipB, 6300)
                  .and(k -> k.kind() == TargetKind.CGROUP && k.target() == idA));
      FlowStats fb =
          Flows.one(
              dp,
              Flows.udp(net.ipA, 7302, net.ipB, 6300)
                  .and(k -> k.kind() == TargetKind.CGROUP && k.target() == idB));
      assertEquals(20, fa.packets());
      assertEquals(20 * (200 + 28), fa.bytes());
      assertEquals(30, fb.packets());
      assertEquals(30 * (300 + 28), fb.bytes());
      assertTrue(
          Flows.matching(dp, k -> k.target() == idB && k.sourcePort() == 7301).isEmpty(),
          "a's flow not under b");
      assertTrue(
          Flows.matching(dp, k -> k.target() == idA && k.sourcePort() == 7302).isEmpty(),
          "b's flow not under a");

      // TCP from b: payload out under b, the server's ACKs in under b, nothing under a
      long bytes = 500_000;
      try (ServerSocket server =
          NetNs.callIn(
              net.pathB(),
              () -> {
                ServerSocket ss = new ServerSocket(6310, 4, InetAddress.getByName(net.ipB));
                ss.setSoTimeout(20000);
                return ss;
              })) {
        CompletableFuture<Long> got =
            CompletableFuture.supplyAsync(
                () -> {
                  try (var c = server.accept()) {
                    long n = c.getInputStream().transferTo(OutputStream.nullOutputStream());
                    return n;
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        int port = Integer.parseInt(tool(b, "tcp " + net.ipB + " 6310 " + bytes).trim());
        assertEquals(bytes, got.get(30, TimeUnit.SECONDS));
        FlowStats out =
            Flows.one(
                dp,
                k ->
                    k.kind() == TargetKind.CGROUP
                        && k.target() == idB
                        && k.direction() == Direction.EGRESS
                        && k.protocol() == FlowKey.TCP
                        && k.sourcePort() == port);
        assertEquals(bytes, out.payloadBytes());
        Flows.one(
            dp,
            k ->
                k.kind() == TargetKind.CGROUP
                    && k.target() == idB
                    && k.direction() == Direction.INGRESS
                    && k.protocol() == FlowKey.TCP
                    && k.destinationPort() == port);
        assertTrue(
            Flows.matching(
                    dp,
                    k ->
                        k.target() == idA
                            && (k.sourcePort() == port || k.destinationPort() == port))
                .isEmpty());
      }
    }
  }
}
