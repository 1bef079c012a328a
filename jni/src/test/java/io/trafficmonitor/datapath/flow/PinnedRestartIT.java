package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.BpfException;
import io.trafficmonitor.bpf.BpfLink;
import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelSupport;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.Packets;
import io.trafficmonitor.bpf.PinTrees;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.bpf.TestNetwork;
import io.trafficmonitor.bpf.Traffic;
import io.trafficmonitor.bpf.TrafficTool;
import io.trafficmonitor.testing.Sh;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A restart of the process that owns the datapath, with its maps and links pinned: the programs
 * stay attached and keep counting into the pinned maps while no process holds them; the next
 * datapath takes the maps over and switches the links to its programs, every packet counted once.
 */
class PinnedRestartIT {
  private static final AtomicInteger DIRS = new AtomicInteger();
  private static final int SIZE = 100;
  private static TestNetwork net;
  private static Path cgroup;

  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
  private Path pins;

  @BeforeAll
  static void setUp() throws Exception {
    KernelSupport.require();
    net = new TestNetwork("pr");
    cgroup = KernelSupport.cgroup2Root().resolve("tm-pins-" + ProcessHandle.current().pid());
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

  @BeforeEach
  void pinDir() {
    pins =
        Path.of(
            "/sys/fs/bpf",
            "tm-it-restart-" + ProcessHandle.current().pid() + "-" + DIRS.incrementAndGet());
  }

  /** Closes what the test left open, then removes its pins: whatever is still attached goes. */
  @AfterEach
  void cleanUp() {
    while (!toClose.isEmpty()) {
      try {
        toClose.pop().close();
      } catch (Exception e) {
        // keep cleaning
      }
    }
    PinTrees.remove(pins);
  }

  private FlowDatapath open(FlowDatapath.Options options) {
    FlowDatapath dp = FlowDatapath.open(options);
    toClose.push(dp);
    return dp;
  }

  private FlowDatapath.Options options() {
    return FlowDatapath.Options.defaults()
        .withMaxFlows(4096)
        .withTcMode(TcMode.TCX)
        .withPinDir(pins);
  }

  @Test
  void aCgroupLinkKeepsCountingThroughARestart() throws Exception {
    long cg = ((Number) Files.getAttribute(cgroup, "unix:ino")).longValue();
    Predicate<FlowKey> flow =
        Flows.udp(net.ipA, 7402, net.ipB, 6402)
            .and(k -> k.kind() == TargetKind.CGROUP && k.target() == cg)
            .and(k -> k.direction() == Direction.EGRESS);
    Path linkPin = pins.resolve("links").resolve("cgroup-egress");
    try (DatagramSocket rx = Traffic.udpSocket(net.pathB(), net.ipB, 6402)) {
      FlowDatapath first = open(options());
      assertFalse(first.adopted());
      assertNull(first.adoptionProblem(), "nothing was pinned: no problem");
      assertEquals(pins, first.pinDir());
      BpfLink link = first.attachCgroup(cgroup, Direction.EGRESS);
      link.pin(linkPin);
      int oldProgram = first.program(TargetKind.CGROUP, Direction.EGRESS).stats().id();
      sendFromCgroup(rx, 7402, 6402, 10);
      assertEquals(10, Flows.one(first, flow).packets());

      first.close(); // the agent goes: its fds close, the pins stay
      assertTrue(link.isClosed());
      sendFromCgroup(rx, 7402, 6402, 20); // no process holds the programs or the maps now

      FlowDatapath second = open(options());
      assertTrue(second.adopted(), second.adoptionProblem());
      assertNull(second.adoptionProblem());
      assertEquals(30, Flows.one(second, flow).packets(), "counted while no process held it");

      BpfLink adopted = BpfLink.openPinned(linkPin, BpfLink.Kind.LINK, "cgroup " + cgroup);
      toClose.push(adopted);
      BpfLink.Info before = adopted.info();
      assertEquals(BpfLink.Info.TYPE_CGROUP, before.type());
      assertEquals(cg, before.target());
      assertEquals(Direction.EGRESS, before.direction());
      assertEquals(oldProgram, before.programId());
      BpfException wrongType =
          assertThrows(
              BpfException.class,
              () -> adopted.update(second.program(TargetKind.TC, Direction.EGRESS)));
      assertEquals(22, wrongType.errno(), "a TC program on a cgroup link: " + wrongType);
      sendFromCgroup(rx, 7402, 6402, 5); // the refused update changed nothing

      adopted.update(second.program(TargetKind.CGROUP, Direction.EGRESS));
      int newProgram = second.program(TargetKind.CGROUP, Direction.EGRESS).stats().id();
      assertNotEquals(oldProgram, newProgram);
      assertEquals(newProgram, adopted.info().programId());
      assertEquals(before.id(), adopted.info().id(), "the same link, not a new attachment");
      awaitGone("prog", oldProgram); // nothing runs the old program any more
      sendFromCgroup(rx, 7402, 6402, 40);
      FlowStats s = Flows.one(second, flow);
      assertEquals(75, s.packets(), "each packet counted once, by one program");
      assertEquals(75L * (SIZE + 28), s.bytes());

      adopted.unpin();
      adopted.close();
      assertEquals("", Sh.quiet("bpftool cgroup show " + cgroup).trim(), "detached");
      awaitGone("link", before.id());
      sendFromCgroup(rx, 7402, 6402, 3);
      assertEquals(75, Flows.one(second, flow).packets(), "not counted once detached");
    }
  }

  @Test
  void aTcxLinkKeepsCountingThroughARestart() throws Exception {
    int ifA = net.ifindexA();
    Predicate<FlowKey> flow =
        Flows.udp(net.ipA, 7403, net.ipB, 6403)
            .and(k -> k.kind() == TargetKind.TC && k.target() == ifA)
            .and(k -> k.direction() == Direction.EGRESS);
    Path linkPin = pins.resolve("links").resolve("tcx-egress-va");
    try (DatagramSocket rx = Traffic.udpSocket(net.pathB(), net.ipB, 6403)) {
      FlowDatapath first = open(options());
      BpfLink link = NetNs.callIn(net.pathA(), () -> first.attachInterface(ifA, Direction.EGRESS));
      assertEquals(BpfLink.Kind.TCX, link.kind());
      link.pin(linkPin);
      int oldProgram = link.info().programId();
      send(rx, 7403, 6403, 10);
      long accountedBefore = first.counters().accounted();
      assertEquals(10, Flows.one(first, flow).packets());

      first.close();
      send(rx, 7403, 6403, 20);

      FlowDatapath second = open(options());
      assertTrue(second.adopted(), second.adoptionProblem());
      assertEquals(30, Flows.one(second, flow).packets(), "counted while no process held it");
      assertTrue(second.counters().accounted() >= accountedBefore + 20, "counters carried on");

      BpfException wrongWay =
          assertThrows(
              BpfException.class,
              () -> second.adoptLink(linkPin, TargetKind.TC, Direction.INGRESS));
      assertTrue(wrongWay.getMessage().contains("not a TC INGRESS link"), wrongWay.getMessage());
      BpfException notCgroup =
          assertThrows(
              BpfException.class,
              () -> second.adoptLink(linkPin, TargetKind.CGROUP, Direction.EGRESS));
      assertTrue(notCgroup.getMessage().contains("tcx link"), notCgroup.getMessage());
      BpfLink adopted = second.adoptLink(linkPin, TargetKind.TC, Direction.EGRESS);
      BpfLink.Info info = adopted.info();
      assertEquals(ifA, info.target());
      assertEquals(second.program(TargetKind.TC, Direction.EGRESS).stats().id(), info.programId());
      awaitGone("prog", oldProgram);
      send(rx, 7403, 6403, 40);
      assertEquals(70, Flows.one(second, flow).packets(), "each packet counted once");

      // a second restart: the adopted link belongs to the datapath, closing it keeps the pin
      second.close();
      assertTrue(adopted.isClosed());
      FlowDatapath third = open(options());
      assertTrue(third.adopted(), third.adoptionProblem());
      BpfLink again = third.adoptLink(linkPin, TargetKind.TC, Direction.EGRESS);
      send(rx, 7403, 6403, 5);
      assertEquals(75, Flows.one(third, flow).packets());

      again.unpin();
      third.close(); // closes the link: no pin any more, so it detaches
      awaitGone("link", info.id());
      FlowDatapath fourth = open(options());
      assertTrue(fourth.adopted());
      send(rx, 7403, 6403, 3);
      assertEquals(75, Flows.one(fourth, flow).packets(), "not counted once detached");
    }
  }

  @Test
  void anotherMaxFlowsOrValueModeStartsFreshWithTheReason() {
    FlowDatapath first = open(options().withMaxFlows(1000));
    first.program(TargetKind.TC, Direction.EGRESS).testRun(udpFrame(9), 1);
    assertEquals(1, Flows.read(first).size());
    first.close();

    FlowDatapath second = open(options().withMaxFlows(2000));
    assertFalse(second.adopted());
    String why = second.adoptionProblem();
    assertNotNull(why);
    assertTrue(why.contains("flows: " + pins.resolve("maps/flows")), why);
    assertTrue(why.contains("max_entries 1000 pinned, 2000 wanted"), why);
    assertEquals(0, Flows.read(second).size(), "fresh maps");
    assertEquals(2000, second.maxFlows());
    second.program(TargetKind.TC, Direction.EGRESS).testRun(udpFrame(9), 1);
    second.close();

    FlowDatapath third = open(options().withMaxFlows(2000));
    assertTrue(third.adopted(), "the fresh maps were pinned: " + third.adoptionProblem());
    assertEquals(1, Flows.read(third).size());
    boolean perCpu = third.perCpuValues();
    third.close();

    FlowDatapath.ValueMode other =
        perCpu ? FlowDatapath.ValueMode.SHARED : FlowDatapath.ValueMode.PER_CPU;
    FlowDatapath fourth = open(options().withMaxFlows(2000).withValueMode(other));
    assertFalse(fourth.adopted());
    assertTrue(fourth.adoptionProblem().contains("type "), fourth.adoptionProblem());
    fourth.close();

    PinTrees.remove(pins.resolve("maps").resolve(FlowLayout.MAP_JITTER));
    FlowDatapath fifth = open(options().withMaxFlows(2000).withValueMode(other));
    assertFalse(fifth.adopted());
    assertTrue(fifth.adoptionProblem().contains("not pinned: jitter"), fifth.adoptionProblem());
    assertTrue(Files.exists(pins.resolve("maps").resolve(FlowLayout.MAP_JITTER)), "pinned anew");
  }

  @Test
  void filtersAndTheirActiveHalfAreTakenOver() {
    FlowDatapath first = open(options());
    first.setFilters(List.of(FilterRule.builder().destinationPort("9").build()));
    first.close();

    FlowDatapath second = open(options());
    assertTrue(second.adopted(), second.adoptionProblem());
    second.program(TargetKind.TC, Direction.EGRESS).testRun(udpFrame(8), 1);
    second.program(TargetKind.TC, Direction.EGRESS).testRun(udpFrame(9), 1);
    assertEquals(
        List.of(9), Flows.read(second).stream().map(e -> e.getKey().destinationPort()).toList());
    assertEquals(1, activeHalf(second), "the first datapath's filters are in half 1");
    second.setFilters(List.of());
    assertEquals(0, activeHalf(second), "new rules went into the other half");
    second.program(TargetKind.TC, Direction.EGRESS).testRun(udpFrame(8), 1);
    assertEquals(2, Flows.read(second).size());
  }

  @Test
  void aPinDirHoldingSomethingElseIsAReadableError() throws Exception {
    Path flowsPin = pins.resolve("maps").resolve(FlowLayout.MAP_FLOWS);
    Files.createDirectories(flowsPin);
    BpfException e = assertThrows(BpfException.class, () -> open(options()));
    assertTrue(e.getMessage().contains(flowsPin + " is a directory"), e.getMessage());
    Files.delete(flowsPin);

    FlowDatapath other = open(options().withPinDir(pins.resolve("other")));
    other.attachCgroup(cgroup, Direction.INGRESS).pin(flowsPin); // a link where a map goes
    e = assertThrows(BpfException.class, () -> open(options()));
    assertTrue(e.getMessage().contains("holds a BPF link, not a map"), e.getMessage());
    assertTrue(Files.exists(flowsPin), "left alone: not ours to remove");

    Path tmp = Files.createTempDirectory("tm-it-restart");
    try {
      e = assertThrows(BpfException.class, () -> open(options().withPinDir(tmp)));
      assertTrue(e.getMessage().contains("not on a bpffs mount"), e.getMessage());
      Files.createDirectories(tmp.resolve("maps"));
      Files.writeString(tmp.resolve("maps").resolve(FlowLayout.MAP_FLOWS), "not a map");
      e = assertThrows(BpfException.class, () -> open(options().withPinDir(tmp)));
      assertTrue(e.getMessage().contains("not on a bpffs mount"), e.getMessage());
    } finally {
      PinTrees.remove(tmp);
    }
  }

  @Test
  void clsactFiltersCannotBePinnedNorUpdated() throws Exception {
    FlowDatapath dp = open(options().withTcMode(TcMode.CLSACT));
    int ifB = net.ifindexB();
    BpfLink filter = NetNs.callIn(net.pathB(), () -> dp.attachInterface(ifB, Direction.INGRESS));
    assertEquals(BpfLink.Kind.CLSACT, filter.kind());
    BpfException e =
        assertThrows(BpfException.class, () -> filter.pin(pins.resolve("links").resolve("x")));
    assertEquals(95, e.errno(), "EOPNOTSUPP: " + e.getMessage());
    assertTrue(e.getMessage().contains("not a BPF link"), e.getMessage());
    e =
        assertThrows(
            BpfException.class, () -> filter.update(dp.program(TargetKind.TC, Direction.INGRESS)));
    assertEquals(95, e.errno());
    filter.unpin(); // nothing pinned: nothing to do
    filter.close();
    assertEquals("", Sh.quiet("ip netns exec " + net.nsB + " tc filter show dev vb ingress"));
  }

  private static int activeHalf(FlowDatapath dp) {
    BpfMap state = dp.object().map(FlowLayout.MAP_FILTER_STATE);
    byte[] v = state.newValue();
    state.lookup(new byte[4], v);
    return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getInt() >>> FlowLayout.FILTER_SET_BIT;
  }

  private static byte[] udpFrame(int destinationPort) {
    return Packets.eth(
        0x0800, Packets.ipv4(17, "10.9.0.1", "10.9.0.2", Packets.udp(5, destinationPort, 3)));
  }

  /** count datagrams of SIZE bytes from a process in the test cgroup (in netns a) to rx. */
  private static void sendFromCgroup(DatagramSocket rx, int sport, int dport, int count)
      throws Exception {
    Sh.ok(
        "echo $$ > "
            + cgroup.resolve("cgroup.procs")
            + " && exec nsenter --net="
            + net.pathA()
            + " "
            + TrafficTool.commandLine(
                "udp " + net.ipA + " " + sport + " " + net.ipB + " " + dport + " " + count + " "
                    + SIZE));
    byte[] buf = new byte[2048];
    for (int i = 0; i < count; i++) {
      rx.receive(new DatagramPacket(buf, buf.length));
    }
  }

  /** count datagrams of SIZE bytes from this process (in netns a) to rx. */
  private static void send(DatagramSocket rx, int sport, int dport, int count) throws Exception {
    int[] sizes = new int[count];
    Arrays.fill(sizes, SIZE);
    Traffic.udpExchange(rx, net.pathA(), net.ipA, sport, net.ipB, dport, sizes);
  }

  /** Programs and links are freed asynchronously once unreferenced: wait up to 5 s. */
  private static void awaitGone(String what, int id) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (exists(what, id) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertFalse(exists(what, id), what + " " + id + " still exists");
  }

  private static boolean exists(String what, int id) {
    return Sh.run(List.of("bpftool", what, "show", "id", Integer.toString(id))).succeeded();
  }
}
