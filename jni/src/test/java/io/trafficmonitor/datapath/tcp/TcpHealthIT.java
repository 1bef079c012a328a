package io.trafficmonitor.datapath.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.BpfObject;
import io.trafficmonitor.bpf.BpfProgram;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelBtf;
import io.trafficmonitor.bpf.KernelSupport;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.bpf.TestNetwork;
import io.trafficmonitor.bpf.Traffic;
import io.trafficmonitor.bpf.TrafficTool;
import io.trafficmonitor.testing.Sh;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TCP health from tracepoints against the kernel's own figures: processes in test cgroups talk
 * across two namespaces; retransmissions equal the sender namespace's TcpRetransSegs, opens and
 * closes equal what the process did, drops of datagrams to a closed port carry NO_SOCKET.
 */
class TcpHealthIT {
  private static TestNetwork net;
  private static Path dir;
  private static Path cgA;
  private static Path cgB;
  private static long idA;
  private static long idB;
  private TcpHealth health;
  private final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    KernelSupport.require();
    net = new TestNetwork("tmtcp");
    dir = KernelSupport.cgroup2Root().resolve("tmtcp-" + ProcessHandle.current().pid());
    cgA = dir.resolve("a");
    cgB = dir.resolve("b");
    Files.createDirectories(cgA);
    Files.createDirectories(cgB);
    idA = inode(cgA);
    idB = inode(cgB);
  }

  @AfterAll
  static void tearDown() {
    if (net != null) {
      net.close();
    }
    if (dir != null) {
      Sh.quiet("rmdir " + cgA + " " + cgB + " " + dir);
    }
  }

  @BeforeEach
  void load() {
    health = TcpHealth.open();
  }

  @AfterEach
  void unload() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    if (health != null) {
      health.close();
      health.close(); // twice is fine
    }
  }

  private static long inode(Path p) throws Exception {
    return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
  }

  /** Starts TrafficTool in cgroup cg inside network namespace ns. */
  private Process tool(Path cg, Path ns, String args) throws Exception {
    String cmd =
        "echo $$ > "
            + cg.resolve("cgroup.procs")
            + " && exec nsenter --net="
            + ns
            + " "
            + TrafficTool.commandLine(args);
    Process p =
        new ProcessBuilder("sh", "-c", cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    processes.add(p);
    return p;
  }

  private static BufferedReader lines(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  /** The first line the process prints (within 20 s). */
  private static String firstLine(BufferedReader r) throws Exception {
    String line = CompletableFuture.supplyAsync(() -> readLine(r)).get(20, TimeUnit.SECONDS);
    assertNotNull(line, "process printed nothing");
    return line.trim();
  }

  private static String readLine(BufferedReader r) {
    try {
      return r.readLine();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void exitsOk(Process p) throws Exception {
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "process did not finish");
    assertEquals(0, p.exitValue(), "process exit code");
  }

  /** Waits (bounded) for a condition that the kernel completes asynchronously. */
  private static void await(BooleanSupplier cond, String what) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private static CompletableFuture<Long> drainOne(ServerSocket server) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Socket c = server.accept();
              InputStream in = c.getInputStream()) {
            c.setSoTimeout(20000);
            return in.transferTo(OutputStream.nullOutputStream());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static ServerSocket serverInB(int port) throws Exception {
    return NetNs.callIn(
        net.pathB(),
        () -> {
          ServerSocket ss = new ServerSocket();
          ss.bind(new InetSocketAddress(net.ipB, port));
          ss.setSoTimeout(20000);
          return ss;
        });
  }

  private TcpConnection connection(int localPort, int remotePort) {
    return health.connections().stream()
        .filter(c -> c.localPort() == localPort && c.remotePort() == remotePort)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no connection " + localPort + " -> " + remotePort));
  }

  private static long sum(long[] v) {
    return Arrays.stream(v).sum();
  }

  @Test
  void retransmittedSegmentsEqualTheSenderNamespacesTcpRetransSegs() throws Exception {
    int port = 6410;
    long bytes = 8L << 20;
    try (BpfObject dropper = dropper(port, 7, 12, false)) {
      dropIngress(dropper, net.pathB(), net.ifindexB());

      long before = TestNetwork.snmp(net.pathA(), "Tcp", "RetransSegs");
      int clientPort;
      try (ServerSocket server = serverInB(port)) {
        CompletableFuture<Long> got = drainOne(server);
        Process client = tool(cgA, net.pathA(), "tcp " + net.ipB + " " + port + " " + bytes);
        clientPort = Integer.parseInt(firstLine(lines(client)));
        exitsOk(client);
        assertEquals(bytes, got.get(30, TimeUnit.SECONDS));
      }
      long kernel = TestNetwork.snmp(net.pathA(), "Tcp", "RetransSegs") - before;
      long dropped = arrayValue(dropper.map("dropper_stats"), 1);

      CgroupTcpStats a = health.cgroup(idA);
      System.out.printf(
          "retransmissions: dropped %d skbs, kernel TcpRetransSegs +%d, cgroup %d: %s%n",
          dropped, kernel, idA, a);
      assertTrue(dropped > 0, "the test program dropped segments");
      assertTrue(kernel > 0, "the kernel retransmitted");
      assertNotNull(a);
      assertEquals(kernel, a.retransmittedSegments(), "retransmitted segments == TcpRetransSegs");
      assertEquals(0, a.synAckRetransmits());
      TcpConnection c = connection(clientPort, port);
      assertEquals(kernel, c.retransmittedSegments(), "per connection: " + c);
      assertEquals(idA, c.cgroupId());
      assertEquals(inode(net.pathA()), c.netns());
      assertEquals(4, c.family());
      assertEquals(net.ipA, c.localAddress().getHostAddress());
      assertEquals(net.ipB, c.remoteAddress().getHostAddress());
      // the test program's drops are drops too (reason TC_INGRESS, in netns b); veth keeps the
      // sender's socket on the skb, so they belong to the sender's cgroup and netns
      long nsA = inode(net.pathA());
      Map<DropKey, Long> drops = health.drops();
      drops.entrySet().stream()
          .filter(e -> e.getKey().cgroupId() == idA)
          .forEach(e -> System.out.println("drops of cgroup a: " + e));
      long tcDrops =
          drops.getOrDefault(
              new DropKey(idA, nsA, (int) KernelBtf.dropReason("TC_INGRESS"), "TC_INGRESS"), 0L);
      assertEquals(dropped, tcDrops, "TC_INGRESS drops of cgroup a == the test program's drops");
      assertEquals(0, health.lost());
    }
  }

  @Test
  void opensClosesAndDurationsOfAConnectionChurn() throws Exception {
    int port = 6420;
    int n = 20;
    long holdMs = 100;
    Process server = tool(cgB, net.pathB(), "serve " + net.ipB + " " + port + " " + n);
    assertEquals("ready", firstLine(lines(server)));
    Process client =
        tool(cgA, net.pathA(), "churn " + net.ipB + " " + port + " " + n + " " + holdMs);
    long measuredHoldUs = Long.parseLong(firstLine(lines(client)));
    exitsOk(client);
    exitsOk(server);
    await(
        () -> {
          CgroupTcpStats a = health.cgroup(idA);
          CgroupTcpStats b = health.cgroup(idB);
          return a != null && a.closed() == n && b != null && b.closed() == n;
        },
        "the last close on both sides (the client's can come after the server's)");

    CgroupTcpStats a = health.cgroup(idA);
    CgroupTcpStats b = health.cgroup(idB);
    System.out.printf("churn: client hold %d us; client %s%nserver %s%n", measuredHoldUs, a, b);
    assertEquals(n, a.openedActive(), "client: opened");
    assertEquals(0, a.openedPassive());
    assertEquals(n, a.closed(), "client: closed");
    assertEquals(0, a.open(), "client: none open");
    assertEquals(0, a.failedActive());
    assertEquals(n, sum(a.durationHistogram()));
    assertEquals(n, b.openedPassive(), "server: opened by accept");
    assertEquals(0, b.openedActive());
    assertEquals(n, b.closed(), "server: closed");
    assertEquals(0, b.open());
    double expectedUs = holdMs * 1000.0;
    assertEquals(expectedUs, a.meanDurationMicros(), expectedUs * 0.1, "client mean duration");
    assertEquals(expectedUs, b.meanDurationMicros(), expectedUs * 0.1, "server mean duration");
    // establishment to close spans the measured hold, plus a handshake and a FIN exchange
    assertTrue(a.meanDurationMicros() >= measuredHoldUs - 1000, "vs measured " + measuredHoldUs);
    assertEquals(n, a.durationHistogram()[CgroupTcpStats.bucketOf((long) a.meanDurationMicros())]);
    long closedInTable =
        health.connections().stream()
            .filter(c -> c.cgroupId() == idA && c.remotePort() == port && c.isClosed())
            .count();
    assertEquals(n, closedInTable, "the table keeps the closed connections");
    assertTrue(health.removeClosed() >= 2 * n);
    assertTrue(health.connections().stream().noneMatch(c -> c.cgroupId() == idA && c.isClosed()));
    assertEquals(0, health.lost());
  }

  @Test
  void datagramsToAClosedPortAreDroppedWithReasonNoSocket() throws Exception {
    int n = 50;
    long reason = KernelBtf.dropReason("NO_SOCKET");
    assertTrue(reason > 0, "SKB_DROP_REASON_NO_SOCKET in the kernel's BTF");
    assertEquals("NO_SOCKET", KernelBtf.dropReasonName(reason));
    assertEquals("reason_987654", KernelBtf.dropReasonName(987654));
    int[] sizes = new int[n];
    Arrays.fill(sizes, 100);
    Traffic.udpSend(net.pathA(), net.ipA, 6431, net.ipB, 6430, sizes);
    long nsB = inode(net.pathB());
    await(
        () -> noSocketDrops(nsB) >= n, // each is dropped in softirq, usually before send returns
        n + " drops");
    Map<DropKey, Long> drops = health.drops();
    drops.entrySet().stream()
        .filter(e -> e.getKey().netns() == nsB)
        .forEach(e -> System.out.println("drops in netns b: " + e));
    DropKey key = new DropKey(0, nsB, (int) reason, "NO_SOCKET");
    assertEquals(n, drops.get(key), "NO_SOCKET drops in netns b, no cgroup");
    assertEquals(0, health.lost());
  }

  private long noSocketDrops(long netns) {
    return health.drops().entrySet().stream()
        .filter(e -> e.getKey().netns() == netns && e.getKey().reasonName().equals("NO_SOCKET"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  @Test
  void srttAndCwndOfALiveConnection() throws Exception {
    // copy srtt/cwnd into the table on every segment received (not at most once per ms), so
    // that the table holds the values of the last one
    health.close();
    health = TcpHealth.open(TcpHealth.Options.defaults().withConnIntervalMicros(0));
    int port = 6440;
    long bytes = 4L << 20;
    try (ServerSocket server = serverInB(port)) {
      CompletableFuture<Long> got = drainOne(server);
      Process client =
          tool(cgA, net.pathA(), "tcphold " + net.ipB + " " + port + " " + bytes + " 1500");
      int clientPort = Integer.parseInt(firstLine(lines(client)));
      await(() -> connectionSeen(clientPort, port, bytes), "the transfer");
      String ss =
          Sh.ok(
              "nsenter --net="
                  + net.pathA()
                  + " ss -tin state established '( sport = :"
                  + clientPort
                  + " )'");
      TcpConnection c = connection(clientPort, port);
      CgroupTcpStats a = health.cgroup(idA);
      System.out.printf("rtt: %s%nss: %s%ncgroup: %s%n", c, ss.replace('\n', ' '), a);
      assertEquals(TcpConnection.ESTABLISHED, c.state());
      assertFalse(c.passive());
      assertTrue(c.srttMicros() > 0, "srtt");
      assertTrue(c.cwnd() > 0, "cwnd");
      assertTrue(c.establishedNanos() > 0 && c.establishedNanos() <= System.nanoTime());
      assertEquals(idA, c.cgroupId());
      assertTrue(a.rttSamples() > 0, "srtt samples for the cgroup");
      assertEquals(a.rttSamples(), sum(a.rttHistogram()));
      assertTrue(a.meanRttMicros() > 0);
      // ss shows the same socket: rtt in ms, cwnd in segments (sampled a moment later)
      Matcher m = Pattern.compile("rtt:([0-9.]+)/").matcher(ss);
      assertTrue(m.find(), ss);
      double ssRttUs = Double.parseDouble(m.group(1)) * 1000;
      Matcher w = Pattern.compile("cwnd:(\\d+)").matcher(ss);
      assertTrue(w.find(), ss);
      long ssCwnd = Long.parseLong(w.group(1));
      assertTrue(
          Math.abs(c.srttMicros() - ssRttUs) <= Math.max(2000, 4 * ssRttUs),
          "srtt " + c.srttMicros() + " us vs ss " + ssRttUs + " us");
      // tcp_probe fires before the last ACK is processed, so that ACK may still have moved cwnd:
      // grown at most twofold (slow start) or cut at most in half. With a copy at most once per
      // ms (the default) a fast transfer moved it much more after the last copy (seen: 200 in
      // the table vs 456 in ss, and 488 vs 174).
      assertTrue(
          c.cwnd() >= ssCwnd / 2 - 2 && c.cwnd() <= 2 * ssCwnd + 2,
          "cwnd " + c.cwnd() + " vs ss " + ssCwnd);
      exitsOk(client);
      assertEquals(bytes, got.get(30, TimeUnit.SECONDS));
      assertEquals(TcpConnection.CLOSE, connection(clientPort, port).state());
    }
    assertEquals(0, health.lost());
  }

  /** The connection is in the table and its data acknowledged (the cwnd stops growing soon). */
  private boolean connectionSeen(int clientPort, int port, long bytes) {
    return health.connections().stream()
            .anyMatch(
                c -> c.localPort() == clientPort && c.remotePort() == port && c.srttMicros() > 0)
        && Sh.quiet("nsenter --net=" + net.pathA() + " ss -tin '( sport = :" + clientPort + " )'")
            .contains("bytes_acked:" + (bytes + 1));
  }

  /** The cgroup v2 id of this JVM (its cgroup directory's inode). */
  private static long selfCgroupId() throws Exception {
    String rel =
        Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
            .filter(l -> l.startsWith("0::"))
            .findFirst()
            .orElseThrow()
            .substring(3);
    return inode(Path.of(KernelSupport.cgroup2Root() + rel));
  }

  @Test
  void refusedConnectsCountAsFailedOpens() throws Exception {
    int n = 5;
    long self = selfCgroupId();
    CgroupTcpStats before = health.cgroup(self);
    long failedBefore = before == null ? 0 : before.failedActive();
    long openedBefore = before == null ? 0 : before.openedActive();
    NetNs.callIn(
        net.pathA(),
        () -> {
          for (int i = 0; i < n; i++) {
            try (Socket c = new Socket()) {
              c.connect(new InetSocketAddress(net.ipB, 6460), 2000);
              throw new AssertionError("connected to a closed port");
            } catch (ConnectException expected) {
              // RST: SYN_SENT -> CLOSE
            }
          }
          return null;
        });
    CgroupTcpStats after = health.cgroup(self);
    assertEquals(n, after.failedActive() - failedBefore, "refused connects of cgroup " + self);
    assertEquals(openedBefore, after.openedActive());
  }

  @Test
  void closeDetachesEverything() throws Exception {
    TcpHealth h = TcpHealth.open();
    List<Integer> ids =
        h.programStats().values().stream().map(BpfProgram.ProgramStats::id).toList();
    assertEquals(TcpHealth.PROGRAMS.size(), ids.size());
    String links = Sh.ok("bpftool link show");
    for (int id : ids) {
      assertTrue(links.contains("prog " + id + " ") || links.contains("prog " + id + "\n"), links);
    }
    h.close();
    h.close();
    String after = Sh.ok("bpftool link show");
    for (int id : ids) {
      assertFalse(after.contains("prog " + id + " ") || after.contains("prog " + id + "\n"), after);
      // the kernel frees a detached program after an RCU grace period
      await(
          () -> Sh.quiet("bpftool prog show id " + id + " 2>&1").contains("Error"),
          "program " + id + " freed");
    }
  }

  /** The test-only TC program dropping data segments to, or SYN-ACKs from, port. */
  /** Attaches the dropper to the ingress of interface ifindex of namespace ns (until closed). */
  private static void dropIngress(BpfObject dropper, Path ns, int ifindex) throws Exception {
    NetNs.callIn(
        ns,
        () ->
            dropper.program("tm_test_drop_nth").attachTc(ifindex, Direction.INGRESS, TcMode.AUTO));
  }

  private static BpfObject dropper(int port, int every, int max, boolean synAck) {
    BpfObject d =
        BpfObject.openResource("/io/trafficmonitor/bpf/testprogs/test_drop_nth.bpf.o", "tmtcp_d");
    try {
      d.setGlobal(
          "cfg_port",
          ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort(0, (short) port).array());
      d.setGlobal("cfg_every", u32(every));
      d.setGlobal("cfg_max_drops", u32(max));
      d.setGlobal("cfg_synack", new byte[] {(byte) (synAck ? 1 : 0)});
      return d.load();
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
  }

  @Test
  void synAckRetransmissionsOverIpv6CountForTheListenersCgroup() throws Exception {
    int port = 6450;
    try (BpfObject dropper = dropper(port, 1, 1, true)) {
      dropIngress(dropper, net.pathA(), net.ifindexA());
      long beforeA = TestNetwork.snmp(net.pathA(), "Tcp", "RetransSegs");
      long beforeB = TestNetwork.snmp(net.pathB(), "Tcp", "RetransSegs");
      Process server = tool(cgB, net.pathB(), "serve " + net.ip6B + " " + port + " 1");
      assertEquals("ready", firstLine(lines(server)));
      Process client = tool(cgA, net.pathA(), "tcp " + net.ip6B + " " + port + " 100000");
      int clientPort = Integer.parseInt(firstLine(lines(client)));
      exitsOk(client);
      exitsOk(server);
      long kernelA = TestNetwork.snmp(net.pathA(), "Tcp", "RetransSegs") - beforeA;
      long kernelB = TestNetwork.snmp(net.pathB(), "Tcp", "RetransSegs") - beforeB;
      CgroupTcpStats a = health.cgroup(idA);
      CgroupTcpStats b = health.cgroup(idB);
      System.out.printf(
          "SYN-ACK: dropped %d, TcpRetransSegs +%d in a, +%d in b; client %s%nserver %s%n",
          arrayValue(dropper.map("dropper_stats"), 1), kernelA, kernelB, a, b);
      assertEquals(1, arrayValue(dropper.map("dropper_stats"), 1), "one SYN-ACK dropped");
      assertTrue(kernelB > 0, "the listener retransmitted its SYN-ACK");
      assertEquals(kernelB, b.retransmittedSegments(), "server: == TcpRetransSegs of b");
      assertEquals(kernelB, b.synAckRetransmits());
      assertEquals(kernelA, a.retransmittedSegments(), "client (SYN): == TcpRetransSegs of a");
      assertEquals(1, a.openedActive());
      assertEquals(1, b.openedPassive());
      TcpConnection c = connection(clientPort, port);
      assertEquals(6, c.family());
      assertEquals(inet(net.ip6A), c.localAddress());
      assertEquals(inet(net.ip6B), c.remoteAddress());
      assertEquals(kernelA, c.retransmittedSegments());
      TcpConnection s = connection(port, clientPort);
      assertTrue(s.passive());
      assertEquals(idB, s.cgroupId());
      assertEquals(inode(net.pathB()), s.netns());
      assertEquals(0, s.retransmittedSegments(), "SYN-ACKs belong to the listener");
    }
    assertEquals(0, health.lost());
  }

  private static InetAddress inet(String a) throws Exception {
    return InetAddress.getByName(a);
  }

  /** TcpLayout's offsets are those of the structs in tcp_events.bpf.o's own BTF. */
  @Test
  void layoutsMirrorTheObjectsBtf() throws Exception {
    Path obj = Files.createTempFile("tmtcp-", ".bpf.o");
    try (InputStream in = TcpHealth.class.getResourceAsStream(TcpLayout.RESOURCE)) {
      Files.write(obj, in.readAllBytes());
      // (to a file: Sh reads the output only once the command has exited)
      Sh.ok("bpftool btf dump file " + obj + " > " + obj + ".txt");
      Map<String, Map<String, Integer>> btf = structs(Files.readString(Path.of(obj + ".txt")));
      assertEquals(
          Map.ofEntries(
              Map.entry("size", TcpLayout.CG_SIZE),
              Map.entry("retrans_segs", TcpLayout.CG_RETRANS_SEGS),
              Map.entry("synack_retrans", TcpLayout.CG_SYNACK_RETRANS),
              Map.entry("rtt_samples", TcpLayout.CG_RTT_SAMPLES),
              Map.entry("rtt_sum_us", TcpLayout.CG_RTT_SUM_US),
              Map.entry("opened_active", TcpLayout.CG_OPENED_ACTIVE),
              Map.entry("opened_passive", TcpLayout.CG_OPENED_PASSIVE),
              Map.entry("closed", TcpLayout.CG_CLOSED),
              Map.entry("duration_sum_us", TcpLayout.CG_DURATION_SUM_US),
              Map.entry("state_changes", TcpLayout.CG_STATE_CHANGES),
              Map.entry("failed_active", TcpLayout.CG_FAILED_ACTIVE),
              Map.entry("rtt_hist", TcpLayout.CG_RTT_HIST),
              Map.entry("duration_hist", TcpLayout.CG_DURATION_HIST),
              Map.entry("zero_wnd_peer", TcpLayout.CG_ZERO_WND_PEER),
              Map.entry("zero_wnd_local", TcpLayout.CG_ZERO_WND_LOCAL),
              Map.entry("rwnd_limited", TcpLayout.CG_RWND_LIMITED),
              Map.entry("wscale_conns", TcpLayout.CG_WSCALE_CONNS)),
          btf.get("tcp_cg_stats"));
      Map<String, Integer> key = btf.get("tcp_conn_key");
      assertEquals(TcpLayout.CONN_KEY_SIZE, key.get("size"));
      assertEquals(TcpLayout.CONN_KEY_LOCAL, key.get("local"));
      assertEquals(TcpLayout.CONN_KEY_REMOTE, key.get("remote"));
      assertEquals(TcpLayout.CONN_KEY_LOCAL_PORT, key.get("local_port"));
      assertEquals(TcpLayout.CONN_KEY_REMOTE_PORT, key.get("remote_port"));
      assertEquals(TcpLayout.CONN_KEY_FAMILY, key.get("family"));
      assertEquals(TcpLayout.CONN_KEY_NETNS, key.get("netns"));
      Map<String, Integer> conn = btf.get("tcp_conn");
      assertEquals(TcpLayout.CONN_SIZE, conn.get("size"));
      assertEquals(TcpLayout.CONN_CGROUP, conn.get("cgroup"));
      assertEquals(TcpLayout.CONN_ESTABLISHED, conn.get("established_ns"));
      assertEquals(TcpLayout.CONN_CLOSED, conn.get("closed_ns"));
      assertEquals(TcpLayout.CONN_UPDATED, conn.get("updated_ns"));
      assertEquals(TcpLayout.CONN_RETRANS_SEGS, conn.get("retrans_segs"));
      assertEquals(TcpLayout.CONN_SRTT_US, conn.get("srtt_us"));
      assertEquals(TcpLayout.CONN_SND_CWND, conn.get("snd_cwnd"));
      assertEquals(TcpLayout.CONN_STATE, conn.get("state"));
      assertEquals(TcpLayout.CONN_FLAGS, conn.get("flags"));
      assertEquals(TcpLayout.CONN_SND_WSCALE, conn.get("snd_wscale"));
      assertEquals(TcpLayout.CONN_RCV_WSCALE, conn.get("rcv_wscale"));
      assertEquals(
          Map.of(
              "size", TcpLayout.DROP_KEY_SIZE,
              "cgroup", TcpLayout.DROP_KEY_CGROUP,
              "netns", TcpLayout.DROP_KEY_NETNS,
              "reason", TcpLayout.DROP_KEY_REASON),
          btf.get("tcp_drop_key"));
    } finally {
      Files.deleteIfExists(obj);
      Files.deleteIfExists(Path.of(obj + ".txt"));
    }
    // and the loaded maps have these sizes and the requested bounds
    BpfObject o = health.object();
    assertEquals(TcpLayout.CG_SIZE, o.map(TcpLayout.MAP_CGROUPS).valueSize());
    assertEquals(4096, o.map(TcpLayout.MAP_CGROUPS).maxEntries());
    assertEquals(TcpLayout.CONN_KEY_SIZE, o.map(TcpLayout.MAP_CONNS).keySize());
    assertEquals(TcpLayout.CONN_SIZE, o.map(TcpLayout.MAP_CONNS).valueSize());
    assertEquals(65536, o.map(TcpLayout.MAP_CONNS).maxEntries());
    assertEquals(BpfMap.TYPE_LRU_HASH, o.map(TcpLayout.MAP_CONNS).type());
    assertEquals(TcpLayout.DROP_KEY_SIZE, o.map(TcpLayout.MAP_DROPS).keySize());
    assertEquals(4096, o.map(TcpLayout.MAP_DROPS).maxEntries());
  }

  /** struct name -> ("size" and member name -> byte offset), from bpftool's raw BTF dump. */
  private static Map<String, Map<String, Integer>> structs(String dump) {
    Map<String, Map<String, Integer>> out = new HashMap<>();
    Pattern struct = Pattern.compile("^\\[\\d+\\] STRUCT '(\\w+)' size=(\\d+)");
    Pattern member = Pattern.compile("^\\s+'(\\w+)' type_id=\\d+ bits_offset=(\\d+)");
    Map<String, Integer> current = null;
    for (String line : dump.lines().toList()) {
      Matcher s = struct.matcher(line);
      Matcher m = member.matcher(line);
      if (s.find()) {
        current = new HashMap<>();
        current.put("size", Integer.parseInt(s.group(2)));
        out.put(s.group(1), current);
      } else if (current != null && m.find()) {
        if (!m.group(1).startsWith("pad")) {
          current.put(m.group(1), Integer.parseInt(m.group(2)) / 8);
        }
      } else {
        current = null;
      }
    }
    return out;
  }

  private static byte[] u32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
  }

  private static long arrayValue(BpfMap map, int index) {
    byte[] v = map.newValue();
    map.lookup(u32(index), v);
    return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong();
  }
}
