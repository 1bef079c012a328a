package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.BpfProgram;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelSupport;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.Packets;
import io.trafficmonitor.bpf.TestNetwork;
import io.trafficmonitor.bpf.Traffic;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Traffic quality in the datapath against ground truth: sequence-number loss (at an offset, behind
 * a pattern, ICMP), inter-arrival mean and jitter of a known send schedule, and the per-flow size
 * histogram.
 */
class TrafficQualityIT {
  private static final byte[] PATTERN = HexFormat.of().parseHex("c0ffee00");

  /** Never sent: 10 and 20-21 make small gaps (threshold 3), 100-109 a big one. */
  private static final Set<Integer> SKIPPED =
      Set.of(10, 20, 21, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109);

  /** Sent the other way round: each makes a gap of one, then a reverse packet. */
  private static final int[][] SWAPPED = {{50, 51}, {70, 71}};

  private static TestNetwork net;

  @BeforeAll
  static void setUp() {
    KernelSupport.require();
    net = new TestNetwork("tq");
  }

  @AfterAll
  static void tearDown() {
    if (net != null) {
      net.close();
    }
  }

  /** 0..199 without SKIPPED, with the SWAPPED pairs exchanged. */
  private static List<Integer> sendOrder() {
    List<Integer> order = new ArrayList<>();
    IntStream.range(0, 200).filter(i -> !SKIPPED.contains(i)).forEach(order::add);
    for (int[] p : SWAPPED) {
      Collections.swap(order, order.indexOf(p[0]), order.indexOf(p[1]));
    }
    return order;
  }

  private static void assertLossFigures(SequenceStats s) {
    assertEquals(187, s.received(), "received: 200 minus 13 skipped");
    assertEquals(2, s.reverse(), "reverse: the two late packets of the swaps");
    assertEquals(4, s.smallGaps(), "small gaps: 10, 20-21 and one per swap");
    assertEquals(1, s.bigGaps(), "big gaps: 100-109");
    assertEquals(15, s.missing(), "numbers skipped by gaps");
    assertEquals(13, s.lost(), "lost: exactly the skipped numbers");
    assertEquals(0, s.resyncs());
  }

  /** Sends one datagram per payload from A to B, received there; returns B's ifindex. */
  private void send(int sport, int dport, List<byte[]> payloads, long[] gapsNanos)
      throws Exception {
    try (DatagramSocket rx = Traffic.udpSocket(net.pathB(), net.ipB, dport);
        DatagramSocket tx = Traffic.udpSocket(net.pathA(), net.ipA, sport)) {
      InetAddress to = InetAddress.getByName(net.ipB);
      long next = System.nanoTime();
      for (int i = 0; i < payloads.size(); i++) {
        if (gapsNanos != null && i > 0) {
          next += gapsNanos[(i - 1) % gapsNanos.length];
          while (System.nanoTime() < next - 200_000) {
            LockSupport.parkNanos(100_000);
          }
          while (System.nanoTime() < next) {
            Thread.onSpinWait();
          }
        }
        byte[] p = payloads.get(i);
        tx.send(new DatagramPacket(p, p.length, to, dport));
      }
      byte[] buf = new byte[2048];
      for (int i = 0; i < payloads.size(); i++) {
        rx.receive(new DatagramPacket(buf, buf.length));
      }
    }
  }

  private static byte[] withSequence(int seq, int size, IntFunction<Integer> offsetOf) {
    byte[] p = new byte[size];
    ByteBuffer.wrap(p).putInt(offsetOf.apply(seq), seq);
    return p;
  }

  private SequenceStats ingressOfB(FlowDatapath dp, int sport, int dport) throws Exception {
    int ifB = net.ifindexB();
    SequenceStats[] found = {null};
    dp.readSequences(
        (k, s) -> {
          if (Flows.udp(net.ipA, sport, net.ipB, dport).test(k)
              && k.target() == ifB
              && k.direction() == Direction.INGRESS) {
            found[0] = s;
          }
        });
    assertTrue(found[0] != null, "no sequence state for the flow");
    return found[0];
  }

  private FlowDatapath attachToB() throws Exception {
    FlowDatapath dp = FlowDatapath.open();
    int ifB = net.ifindexB();
    NetNs.callIn(net.pathB(), () -> dp.attachInterface(ifB, Direction.INGRESS));
    return dp;
  }

  @Test
  void sequenceAtAnOffsetCountsLossReverseAndGapsExactly() throws Exception {
    try (FlowDatapath dp = attachToB()) {
      dp.configure(false, SequenceConfig.atOffset(SequenceConfig.UDP, 4, 3));
      List<byte[]> payloads = new ArrayList<>();
      for (int seq : sendOrder()) {
        payloads.add(withSequence(seq, 64, s -> 4));
      }
      send(6001, 7001, payloads, null);
      assertLossFigures(ingressOfB(dp, 6001, 7001));
      assertEquals(0, dp.counters().sequenceMissing());
    }
  }

  @Test
  void sequenceBehindAPatternIsFoundAnywhereInTheWindow() throws Exception {
    try (FlowDatapath dp = attachToB()) {
      dp.configure(false, SequenceConfig.afterPattern(SequenceConfig.UDP, PATTERN, 2, 32, 3));
      List<byte[]> payloads = new ArrayList<>();
      for (int seq : sendOrder()) {
        int prefix = (seq % 7) * 3; // the pattern moves: 0..18 bytes in
        byte[] p = new byte[80];
        Arrays.fill(p, 0, prefix, (byte) 0x11);
        System.arraycopy(PATTERN, 0, p, prefix, 4);
        ByteBuffer.wrap(p).putInt(prefix + 4 + 2, seq);
        payloads.add(p);
      }
      payloads.add(new byte[80]); // no pattern
      payloads.add(new byte[80]);
      byte[] late = new byte[80]; // pattern at byte 40: beyond the 32-byte window
      System.arraycopy(PATTERN, 0, late, 40, 4);
      payloads.add(late);
      send(6002, 7002, payloads, null);
      assertLossFigures(ingressOfB(dp, 6002, 7002));
      assertEquals(3, dp.counters().sequenceMissing(), "packets without a findable number");
    }
  }

  @Test
  void icmpSequenceNumbersOnCraftedPackets() {
    try (FlowDatapath dp = FlowDatapath.open()) {
      dp.configure(false, SequenceConfig.atOffset(SequenceConfig.ICMP, 0, 1));
      BpfProgram tc = dp.object().program(FlowLayout.PROG_TC_INGRESS);
      for (int seq : new int[] {1, 2, 5, 3, 6}) {
        byte[] icmp = Packets.icmp(8, 0, 16);
        ByteBuffer.wrap(icmp).putInt(8, seq);
        tc.testRun(Packets.eth(0x0800, Packets.ipv4(1, "10.9.0.1", "10.9.0.2", icmp)), 1);
      }
      SequenceStats[] s = {null};
      dp.readSequences((k, v) -> s[0] = v);
      // 1 2 (5: gap of 2 > 1, big) (3: reverse) 6
      assertEquals(new SequenceStats(5, 1, 0, 1, 2, 0), s[0]);
      assertEquals(1, s[0].lost());
    }
  }

  @Test
  void sequenceTrackingCanBeTurnedOffAtRunTime() throws Exception {
    try (FlowDatapath dp = attachToB()) {
      dp.configure(false, SequenceConfig.atOffset(SequenceConfig.UDP, 0, 3));
      send(6003, 7003, List.of(withSequence(1, 32, s -> 0), withSequence(2, 32, s -> 0)), null);
      dp.configure(false, null);
      send(6003, 7003, List.of(withSequence(9, 32, s -> 0)), null);
      assertEquals(new SequenceStats(2, 0, 0, 0, 0, 0), ingressOfB(dp, 6003, 7003));
    }
  }

  @Test
  void jitterOfAKnownScheduleWithinTenPercent() throws Exception {
    try (FlowDatapath dp = attachToB()) {
      dp.configure(true, null);
      // intervals alternate 2 ms and 6 ms: mean 4 ms, standard deviation 2 ms
      List<byte[]> payloads = new ArrayList<>();
      for (int i = 0; i < 301; i++) {
        payloads.add(new byte[100]);
      }
      send(6004, 7004, payloads, new long[] {2_000_000, 6_000_000});
      int ifB = net.ifindexB();
      FlowStats s =
          Flows.one(
              dp,
              Flows.udp(net.ipA, 6004, net.ipB, 7004)
                  .and(k -> k.target() == ifB && k.direction() == Direction.INGRESS));
      System.out.printf(
          "jitter of a 2 ms / 6 ms schedule: mean %.3f ms, standard deviation %.3f ms%n",
          s.meanInterArrivalNanos() / 1e6, s.jitterNanos() / 1e6);
      assertEquals(300, s.intervals(), "one interval between each two packets");
      assertEquals(4_000_000, s.meanInterArrivalNanos(), 400_000, "mean inter-arrival");
      assertEquals(2_000_000, s.jitterNanos(), 200_000, "jitter (standard deviation)");
      assertEquals(301, s.sizes().buckets()[SizeHistogram.bucketOf(128)], "128-byte packets");
    }
  }

  @Test
  void aSilenceOfMoreThanTwoSecondsRestartsTheBurst() {
    try (FlowDatapath dp = FlowDatapath.open()) {
      dp.configure(true, null);
      BpfProgram tc = dp.object().program(FlowLayout.PROG_TC_INGRESS);
      byte[] frame = Packets.eth(0x0800, Packets.ipv4(17, "10.9.0.1", "10.9.0.2", udp(8)));
      tc.testRun(frame, 3);
      FlowStats before = Flows.read(dp).get(0).getValue();
      assertEquals(2, before.intervals());
      LockSupport.parkNanos(2_100_000_000L);
      tc.testRun(frame, 1);
      FlowStats after = Flows.read(dp).get(0).getValue();
      assertEquals(0, after.intervals(), "the gap ended the burst");
      assertEquals(4, after.packets());
    }
  }

  private static byte[] udp(int payload) {
    return Packets.udp(1000, 2000, payload);
  }
}
