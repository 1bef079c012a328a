package io.trafficmonitor.datapath.flow;

import io.trafficmonitor.bpf.BenchReport;
import io.trafficmonitor.bpf.BpfLink;
import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.BpfObject;
import io.trafficmonitor.bpf.BpfProgram;
import io.trafficmonitor.bpf.BpfStats;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.Packets;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.bpf.TestNetwork;
import io.trafficmonitor.bpf.Traffic;
import io.trafficmonitor.testing.Sh;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Datapath figures (not a test; run by bench/datapath/run.sh, as root):
 *
 * <ol>
 *   <li>program cost per packet from BPF run-time stats, minus an empty TC program chained on the
 *       same veth hook in the same run (same packets), per flow-map type;
 *   <li>iperf3 throughput (TCP) and packet rate (UDP, 18-byte payload = 64-byte frames) between two
 *       namespaces with monitoring off and on, alternating;
 *   <li>time to read 100k and 1M flows through the JNI batch read.
 * </ol>
 *
 * Writes Markdown to the file given as first argument (or stdout).
 */
public final class DatapathBenchmark {
  private static final BenchReport md = new BenchReport("Datapath benchmark");

  private DatapathBenchmark() {}

  public static void main(String[] args) throws Exception {
    md.append(".\n\n");
    // -Dbench.sections=testrun,cost,ingress,iperf,read (default: all)
    List<String> sections =
        List.of(System.getProperty("bench.sections", "testrun,cost,ingress,iperf,read").split(","));
    if (sections.contains("testrun")) {
      testRunCost();
    }
    if (sections.contains("cost") || sections.contains("ingress") || sections.contains("iperf")) {
      try (TestNetwork net = new TestNetwork("bench")) {
        if (sections.contains("cost")) {
          programCost(net);
        }
        if (sections.contains("ingress")) {
          IngressHookBenchmark.run(net, md);
        }
        if (sections.contains("iperf")) {
          iperf(net);
        }
      }
    }
    if (sections.contains("read")) {
      readFlows();
    }
    md.finish(args);
  }

  private static void line(String fmt, Object... a) {
    md.line(fmt, a);
  }

  // ---- 0. hot-cache cost through BPF_PROG_TEST_RUN ----------------------------------------

  private static void testRunCost() {
    line("## Program cost on a hot cache (BPF_PROG_TEST_RUN)\n");
    line(
        "Mean run time of 2,000,000 repeats of one crafted packet (one flow, everything in"
            + " cache), minus the empty program's on the same packet. A lower bound; the real"
            + " traffic figures below include cache misses.\n");
    line("| configuration | packet | empty ns | flows ns | **cost above empty** |");
    line("|---|---|---:|---:|---:|");
    byte[] udp =
        Packets.eth(0x0800, Packets.ipv4(17, "10.1.0.1", "10.1.0.2", Packets.udp(1000, 2000, 18)));
    byte[] tcp =
        Packets.eth(
            0x0800,
            Packets.ipv4(6, "10.1.0.1", "10.1.0.2", Packets.tcp(1000, 2000, 0x10, 12, 1448)));
    FlowDatapath.Options d = FlowDatapath.Options.defaults();
    SequenceConfig seq = SequenceConfig.atOffset(SequenceConfig.UDP, 0, 10);
    Object[][] configs = {
      {"default (per-CPU values, histograms, coarse timestamps)", d, false, null},
      {"shared values (atomic adds)", d.withValueMode(FlowDatapath.ValueMode.SHARED), false, null},
      {"precise timestamps", d.withPreciseTimestamps(true), false, null},
      {"no histograms", d.withHistograms(false), false, null},
      {"default + jitter", d, true, null},
      {"default + jitter + UDP sequence numbers", d, true, seq},
    };
    try (BpfObject e = BpfObject.openResource("/io/trafficmonitor/bpf/progs/empty.bpf.o", "tm_e")) {
      e.load();
      BpfProgram empty = e.program("tm_empty");
      for (Object[] c : configs) {
        try (FlowDatapath dp = FlowDatapath.open((FlowDatapath.Options) c[1])) {
          dp.configure((Boolean) c[2], (SequenceConfig) c[3]);
          BpfProgram p = dp.object().program(FlowLayout.PROG_TC_EGRESS);
          for (Object[] pkt : new Object[][] {{"UDP 64 B", udp}, {"TCP 1514 B", tcp}}) {
            byte[] frame = (byte[]) pkt[1];
            p.testRun(frame, 100_000);
            int en = empty.testRun(frame, 2_000_000).durationNs();
            int fl = p.testRun(frame, 2_000_000).durationNs();
            line("| %s | %s | %d | %d | **%d** |", c[0], pkt[0], en, fl, fl - en);
          }
        }
      }
    }
    line("");
  }

  // ---- 1. program cost ---------------------------------------------------------------------

  private static void programCost(TestNetwork net) throws Exception {
    line("## Program cost (ns per packet, BPF run-time statistics)\n");
    line(
        "The flow program (`tm_tc_egress`) and an empty TC program (`tm_empty`) are both"
            + " attached with tcx to the egress of the sending veth, so both run on exactly the"
            + " same packets; the figure is `run_time_ns/run_cnt` of the flow program minus that"
            + " of the empty one. Run-time statistics on via `BPF_ENABLE_STATS` (the same"
            + " counters `kernel.bpf_stats_enabled` turns on). Histograms on, no filter rules."
            + " Each row: three runs of 300,000 datagrams (three 512 MiB transfers for TCP) after"
            + " a warm-up, the run with the median cost shown.\n");
    line("| flow map | traffic | packets | empty ns/pkt | flows ns/pkt | **cost above empty** |");
    line("|---|---|---:|---:|---:|---:|");
    int[][] workloads = {{1, 18}, {16384, 18}}; // flows, payload
    int[] types = {BpfMap.TYPE_HASH, BpfMap.TYPE_PERCPU_HASH, BpfMap.TYPE_LRU_HASH, SPIN_LOCK};
    String[] typeNames = {
      "HASH + atomic adds (shared values)",
      "PERCPU_HASH + plain adds (per-CPU values)",
      "LRU_HASH + atomic adds",
      "HASH + bpf_spin_lock (benchmark-only program)"
    };
    for (int t = 0; t < types.length; t++) {
      for (int[] w : workloads) {
        costRun(
            net,
            types[t],
            typeNames[t],
            "UDP 64-byte frames, " + w[0] + " flow(s)",
            w[0],
            w[1],
            NO_QUALITY);
      }
      costTcp(net, types[t], typeNames[t]);
    }
    byte[] jitter = FlowDatapath.encodeSettings(true, null);
    byte[] jitterSeq =
        FlowDatapath.encodeSettings(true, SequenceConfig.atOffset(SequenceConfig.UDP, 0, 10));
    for (int[] w : workloads) {
      String label = "UDP 64-byte frames, " + w[0] + " flow(s)";
      costRun(net, types[1], "per-CPU values + jitter", label, w[0], w[1], jitter);
      costRun(
          net,
          types[1],
          "per-CPU values + jitter + sequence numbers",
          label,
          w[0],
          w[1],
          jitterSeq);
    }
    line("");
  }

  private static final byte[] NO_QUALITY = FlowDatapath.encodeSettings(false, null);

  /** Not a map type: the benchmark-only program that updates a shared hash under a spin lock. */
  private static final int SPIN_LOCK = -1;

  private static String progOf(int mapType) {
    return mapType == SPIN_LOCK ? "tm_bench_spin_lock" : FlowLayout.PROG_TC_EGRESS;
  }

  private static BpfObject[] attachPair(
      TestNetwork net, int mapType, byte[] settings, List<BpfLink> links) throws Exception {
    BpfObject empty = BpfObject.openResource("/io/trafficmonitor/bpf/progs/empty.bpf.o", "tm_e");
    empty.load();
    BpfObject flows =
        mapType == SPIN_LOCK
            ? BpfObject.openResource(
                "/io/trafficmonitor/bpf/testprogs/bench_spin_lock.bpf.o", "tm_bench")
            : BpfObject.openResource(FlowLayout.RESOURCE, "tm_bench");
    flows.setMaxEntries(FlowLayout.MAP_FLOWS, 65536); // the agent's default
    if (mapType != SPIN_LOCK) {
      flows.setMapType(FlowLayout.MAP_FLOWS, mapType);
    }
    boolean perCpu = mapType == BpfMap.TYPE_PERCPU_HASH;
    flows.setGlobal(FlowLayout.GLOBAL_PERCPU_FLOWS, new byte[] {(byte) (perCpu ? 1 : 0)});
    flows.load();
    flows.map(FlowLayout.MAP_SETTINGS).update(new byte[4], settings, BpfMap.ANY);
    int ifA = net.ifindexA();
    links.add(
        NetNs.callIn(
            net.pathA(),
            () -> flows.program(progOf(mapType)).attachTc(ifA, Direction.EGRESS, TcMode.TCX)));
    links.add(
        NetNs.callIn(
            net.pathA(),
            () -> empty.program("tm_empty").attachTc(ifA, Direction.EGRESS, TcMode.TCX)));
    return new BpfObject[] {empty, flows};
  }

  private static void costRun(
      TestNetwork net,
      int mapType,
      String typeName,
      String label,
      int nflows,
      int payload,
      byte[] settings)
      throws Exception {
    List<BpfLink> links = new ArrayList<>();
    BpfObject[] objs = attachPair(net, mapType, settings, links);
    try (BpfStats stats = BpfStats.enable();
        DatagramChannel rx =
            NetNs.callIn(
                net.pathB(),
                () -> DatagramChannel.open().bind(new InetSocketAddress(net.ipB, 9000)));
        DatagramChannel tx =
            NetNs.callIn(
                net.pathA(),
                () -> DatagramChannel.open().bind(new InetSocketAddress(net.ipA, 0)))) {
      int packets = 300_000;
      ByteBuffer buf = ByteBuffer.allocateDirect(payload);
      InetSocketAddress[] dsts = new InetSocketAddress[nflows];
      for (int i = 0; i < nflows; i++) {
        dsts[i] = new InetSocketAddress(net.ipB, 9000 + i % 50000);
      }
      // warm up, then three measurements from snapshots; the median one is reported
      send(tx, buf, dsts, 20_000);
      double[][] runs = new double[3][];
      for (int r = 0; r < runs.length; r++) {
        BpfProgram.ProgramStats e0 = objs[0].program("tm_empty").stats();
        BpfProgram.ProgramStats f0 = objs[1].program(progOf(mapType)).stats();
        send(tx, buf, dsts, packets);
        BpfProgram.ProgramStats e1 = objs[0].program("tm_empty").stats();
        BpfProgram.ProgramStats f1 = objs[1].program(progOf(mapType)).stats();
        runs[r] = perPacket(e0, e1, f0, f1);
      }
      double[] m = medianRun(runs);
      line(
          "| %s | %s | %d | %.1f | %.1f | **%.1f** |",
          typeName, label, (long) m[0], m[1], m[2], m[2] - m[1]);
    } finally {
      for (BpfLink l : links) {
        l.close();
      }
      objs[0].close();
      objs[1].close();
    }
  }

  /** {packets, empty ns/packet, flows ns/packet} between two snapshots. */
  private static double[] perPacket(
      BpfProgram.ProgramStats e0,
      BpfProgram.ProgramStats e1,
      BpfProgram.ProgramStats f0,
      BpfProgram.ProgramStats f1) {
    double empty = (double) (e1.runTimeNs() - e0.runTimeNs()) / (e1.runCount() - e0.runCount());
    double flows = (double) (f1.runTimeNs() - f0.runTimeNs()) / (f1.runCount() - f0.runCount());
    return new double[] {f1.runCount() - f0.runCount(), empty, flows};
  }

  /** The run whose cost above empty is the median. */
  private static double[] medianRun(double[][] runs) {
    double[][] sorted = runs.clone();
    Arrays.sort(sorted, Comparator.comparingDouble(r -> r[2] - r[1]));
    return sorted[sorted.length / 2];
  }

  private static void send(DatagramChannel tx, ByteBuffer buf, InetSocketAddress[] dsts, int n)
      throws Exception {
    for (int i = 0; i < n; i++) {
      buf.clear();
      tx.send(buf, dsts[i % dsts.length]);
    }
  }

  private static void costTcp(TestNetwork net, int mapType, String typeName) throws Exception {
    List<BpfLink> links = new ArrayList<>();
    BpfObject[] objs = attachPair(net, mapType, NO_QUALITY, links);
    try (BpfStats stats = BpfStats.enable()) {
      double[][] runs = new double[3][];
      for (int r = 0; r < runs.length; r++) {
        BpfProgram.ProgramStats e0 = objs[0].program("tm_empty").stats();
        BpfProgram.ProgramStats f0 = objs[1].program(progOf(mapType)).stats();
        Traffic.tcpTransfer(net.pathA(), net.pathB(), net.ipB, 9100 + r, 512L << 20);
        BpfProgram.ProgramStats e1 = objs[0].program("tm_empty").stats();
        BpfProgram.ProgramStats f1 = objs[1].program(progOf(mapType)).stats();
        runs[r] = perPacket(e0, e1, f0, f1);
      }
      double[] m = medianRun(runs);
      line(
          "| %s | TCP 512 MiB, 1 flow (GSO skbs) | %d | %.1f | %.1f | **%.1f** |",
          typeName, (long) m[0], m[1], m[2], m[2] - m[1]);
    } finally {
      for (BpfLink l : links) {
        l.close();
      }
      objs[0].close();
      objs[1].close();
    }
  }

  // ---- 2. iperf3 ----------------------------------------------------------------------------

  private static double iperfRun(TestNetwork net, boolean udp) throws Exception {
    Process server =
        new ProcessBuilder(
                "ip", "netns", "exec", net.nsB, "iperf3", "-s", "-1", "-B", net.ipB, "-A", "1")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      Thread.sleep(300);
      String cmd =
          "ip netns exec "
              + net.nsA
              + " iperf3 -J -A 0 -t 4 -c "
              + net.ipB
              + (udp ? " -u -b 0 -l 18" : "");
      String json = Sh.ok(cmd);
      Matcher m =
          Pattern.compile(
                  "\"sum_received\":\\s*\\{[^}]*?\"seconds\":\\s*([0-9.e+]+)[^}]*?"
                      + "\"bytes\":\\s*(\\d+)[^}]*?\"bits_per_second\":\\s*([0-9.e+]+)")
              .matcher(json);
      if (!m.find()) {
        throw new IllegalStateException("no receiver summary in " + json);
      }
      if (udp) { // datagrams received per second
        return Long.parseLong(m.group(2)) / 18.0 / Double.parseDouble(m.group(1));
      }
      return Double.parseDouble(m.group(3));
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  private static void iperf(TestNetwork net) throws Exception {
    line("## Throughput and packet rate, monitoring off vs on (iperf3 between namespaces)\n");
    line(
        "Four states alternate in every round: *off*; *one hook* = `FlowDatapath` attached"
            + " (tcx) to ingress and egress of the sending veth end only, so every packet runs the"
            + " flow program once, as on a node's uplink; *two hooks* = attached to ingress and"
            + " egress of both veth ends, so every packet runs it twice, as a pod's packet that"
            + " passes its cgroup and its host-side veth; *one hook, shared values* = one hook"
            + " with `ValueMode.SHARED` (atomic adds), what `AUTO` picks on a node with more than"
            + " 6 CPUs. Defaults otherwise (per-CPU values here, histograms on, jitter and"
            + " sequence numbers off). 12 rounds of 4 s per state and traffic, the order of the states rotated from round to round"
            + " so that each takes each place equally often; medians, and the median of the 12"
            + " paired on/off ratios of the same round (robust to the drift of"
            + " a shared machine). The client is pinned to CPU 0 and the server to CPU 1"
            + " (`iperf3 -A`), so that the two do not trade places between rounds. UDP:"
            + " `iperf3 -u -b 0 -l 18` (64-byte frames), rate of datagrams received. Two more"
            + " states, in the same rounds, for comparison: *tcpdump* = `tcpdump -i va -w"
            + " /dev/null` (full snap length, the whole packet copied to user space) and *tcpdump"
            + " -s 128* (the first 128 bytes), capturing on the sending veth end in its namespace,"
            + " monitoring off; their CPU is the capture's, on the same 2 cores.\n");
    int rounds = 12;
    String[] states = {
      "off", "1", "2", "1, shared values", "tcpdump (full snap length)", "tcpdump -s 128"
    };
    double[][] tcp = new double[states.length][rounds];
    double[][] udp = new double[states.length][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < states.length; i++) {
        int state = (i + r) % states.length; // every state takes every place in the round
        FlowDatapath dp = state == 0 || state >= 4 ? null : monitor(net, state == 2, state == 3);
        Process capture = state >= 4 ? tcpdump(net, state == 5 ? 128 : 0) : null;
        try {
          tcp[state][r] = iperfRun(net, false);
          udp[state][r] = iperfRun(net, true);
        } finally {
          if (dp != null) {
            dp.close();
          }
          if (capture != null) {
            capture.destroy();
            capture.waitFor();
          }
        }
      }
    }
    line(
        "| traffic | hooks per packet (or tcpdump) | off (median) | on (median) | on/off of medians |"
            + " **median paired on/off** |");
    line("|---|---:|---:|---:|---:|---:|");
    for (int state = 1; state < states.length; state++) {
      iperfRow("TCP throughput (Gbit/s)", states[state], state, tcp, 1e9);
      iperfRow("UDP 64-byte packet rate (kpps)", states[state], state, udp, 1e3);
    }
    line("");
    StringBuilder rows = new StringBuilder("Rounds:");
    for (int state = 0; state < states.length; state++) {
      rows.append(String.format(" TCP %s: %s Gbit/s;", states[state], fmt(tcp[state], 1e9)));
    }
    for (int state = 0; state < states.length; state++) {
      rows.append(String.format(" UDP %s: %s kpps;", states[state], fmt(udp[state], 1e3)));
    }
    line("%s\n", rows.substring(0, rows.length() - 1) + ".");
  }

  private static void iperfRow(String label, String hooks, int state, double[][] v, double unit) {
    double off = median(v[0]);
    double on = median(v[state]);
    double[] ratios = new double[v[0].length];
    for (int r = 0; r < ratios.length; r++) {
      ratios[r] = v[state][r] / v[0][r];
    }
    line(
        "| %s | %s | %.2f | %.2f | %.3f | **%.3f** |",
        label, hooks, off / unit, on / unit, on / off, median(ratios));
  }

  private static String fmt(double[] v, double unit) {
    StringBuilder b = new StringBuilder();
    for (double d : v) {
      b.append(b.length() == 0 ? "" : " ").append(String.format("%.2f", d / unit));
    }
    return b.toString();
  }

  /**
   * tcpdump capturing on the sending veth end ({@code va}, in namespace a) to /dev/null with {@code
   * snaplen} (0: the whole packet), once it says it listens.
   */
  private static Process tcpdump(TestNetwork net, int snaplen) throws Exception {
    Process p =
        new ProcessBuilder(
                "nsenter",
                "--net=" + net.pathA(),
                "tcpdump",
                "-i",
                "va",
                "-n",
                "-s",
                Integer.toString(snaplen),
                "-w",
                "/dev/null")
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String l = out.readLine(); l != null; l = out.readLine()) {
      if (l.contains("listening on")) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    out.lines().forEach(x -> {});
                  } catch (UncheckedIOException closed) {
                    // tcpdump stopped: its output closed
                  }
                },
                "tcpdump-out");
        drain.setDaemon(true);
        drain.start();
        return p;
      }
    }
    throw new IllegalStateException("tcpdump did not start (is it installed? hack/setup.sh)");
  }

  private static FlowDatapath monitor(TestNetwork net, boolean bothEnds, boolean shared)
      throws Exception {
    FlowDatapath.Options o = FlowDatapath.Options.defaults();
    FlowDatapath dp =
        FlowDatapath.open(shared ? o.withValueMode(FlowDatapath.ValueMode.SHARED) : o);
    int ifA = net.ifindexA();
    int ifB = net.ifindexB();
    for (Direction d : Direction.values()) {
      NetNs.callIn(net.pathA(), () -> dp.attachInterface(ifA, d));
      if (bothEnds) {
        NetNs.callIn(net.pathB(), () -> dp.attachInterface(ifB, d));
      }
    }
    return dp;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  // ---- 3. batch read ------------------------------------------------------------------------

  private static void readFlows() {
    line("## Reading flows through the JNI batch read\n");
    line(
        "The flow map is filled from user space, then read whole with `bpf_map_lookup_batch`"
            + " (batches of 4096 into direct buffers): *raw* = `readFlowsRaw` (bytes in"
            + " buffers, what a collector needs for deltas), *decoded* = `readFlows` (a"
            + " `FlowKey` and `FlowStats` record per flow). Best and median of 7 reads.\n");
    line("| flows | flow values | raw best (ms) | raw median (ms) | decoded median (ms) |");
    line("|---:|---|---:|---:|---:|");
    Object[][] runs = {
      {100_000, FlowDatapath.ValueMode.SHARED},
      {100_000, FlowDatapath.ValueMode.PER_CPU},
      {1_000_000, FlowDatapath.ValueMode.SHARED},
      {1_000_000, FlowDatapath.ValueMode.PER_CPU},
    };
    for (Object[] run : runs) {
      int n = (Integer) run[0];
      FlowDatapath.ValueMode mode = (FlowDatapath.ValueMode) run[1];
      try (FlowDatapath dp =
          FlowDatapath.open(FlowDatapath.Options.defaults().withMaxFlows(n).withValueMode(mode))) {
        BpfMap flows = dp.object().map(FlowLayout.MAP_FLOWS);
        ByteBuffer k = ByteBuffer.allocate(FlowLayout.KEY_SIZE).order(ByteOrder.nativeOrder());
        byte[] v = flows.newValue();
        ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).putLong(FlowLayout.STATS_PACKETS, 1);
        for (int i = 0; i < n; i++) {
          k.putInt(12, 0x0a000000 | i).putShort(40, (short) i).put(44, (byte) 17);
          k.put(45, (byte) 4).put(46, (byte) 1);
          flows.update(k.array(), v, BpfMap.ANY);
        }
        double[] raw = new double[7];
        double[] decoded = new double[7];
        long[] sink = {0};
        for (int r = 0; r < raw.length; r++) {
          long t0 = System.nanoTime();
          long got = dp.readFlowsRaw((keys, values, c) -> sink[0] += c);
          raw[r] = (System.nanoTime() - t0) / 1e6;
          if (got != n) {
            throw new IllegalStateException("read " + got + " of " + n);
          }
          t0 = System.nanoTime();
          dp.readFlows((key, s) -> sink[0] += key.sourcePort());
          decoded[r] = (System.nanoTime() - t0) / 1e6;
        }
        double[] sorted = raw.clone();
        Arrays.sort(sorted);
        line(
            "| %,d | %s | %.1f | %.1f | %.1f |",
            n,
            dp.perCpuValues() ? "per CPU (" + flows.cpus() + ")" : "shared",
            sorted[0],
            median(raw),
            median(decoded));
      }
    }
    line("");
  }
}
