package io.trafficmonitor.datapath.flow;

import io.trafficmonitor.bpf.BenchReport;
import io.trafficmonitor.bpf.BpfLink;
import io.trafficmonitor.bpf.BpfObject;
import io.trafficmonitor.bpf.BpfProgram;
import io.trafficmonitor.bpf.BpfStats;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.bpf.TestNetwork;
import io.trafficmonitor.bpf.Traffic;
import io.trafficmonitor.bpf.XdpMode;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.Callable;

/**
 * A node interface's ingress counted by TC (tcx) or XDP (native, generic), in the same run: the
 * flow program's {@code run_time_ns/run_cnt} at the receiving veth, beside an empty program of the
 * same hook. Part of {@link DatapathBenchmark} (section {@code ingress}).
 */
final class IngressHookBenchmark {
  private static final int PACKETS = 300_000;
  private static final long TCP_BYTES = 256L << 20;

  private enum Hook {
    TC("TC (tcx)"),
    XDP_NATIVE("XDP native"),
    XDP_GENERIC("XDP generic");

    final String label;

    Hook(String label) {
      this.label = label;
    }

    XdpMode mode() {
      return this == XDP_NATIVE ? XdpMode.NATIVE : XdpMode.GENERIC;
    }
  }

  /** What one measured run sends. */
  @FunctionalInterface
  private interface Load {
    void send() throws Exception;
  }

  private IngressHookBenchmark() {}

  static void run(TestNetwork net, BenchReport md) throws Exception {
    md.line("## Ingress hook: TC vs XDP (ns per packet, BPF run-time statistics)\n");
    md.line(
        "A node interface's ingress (`spec.interfaceIngressHook`), at the receiving veth (`vb`):"
            + " the flow program (`tm_tc_ingress` with tcx, or `tm_xdp_ingress` in native or"
            + " generic XDP mode) and an empty program of the same hook (`tm_empty`,"
            + " `tm_empty_xdp`). Under TC both run on the same packets; an interface has one XDP"
            + " program, so under XDP the empty one runs on the same traffic just before the flow"
            + " program, in pairs. Per-CPU values (the default here), histograms on. Each row:"
            + " three pairs of %,d datagrams (of %d MiB transfers for TCP) after a warm-up, the"
            + " pair with the median cost shown. Under TC a TCP packet is a GRO batch (counted as"
            + " its segments); under native XDP on veth every frame runs the program (veth turns"
            + " GSO off at its peer while an XDP program without fragment support is attached),"
            + " so TCP compares by ns per MiB received.\n",
        PACKETS, TCP_BYTES >> 20);
    md.line(
        "| hook | traffic | packets | empty ns/pkt | flows ns/pkt | **cost above empty**"
            + " | flows ns per MiB |");
    md.line("|---|---|---:|---:|---:|---:|---:|");
    for (int flows : new int[] {1, 16384}) {
      for (Hook h : Hook.values()) {
        row(net, md, h, "UDP 64-byte frames, " + flows + " flow(s)", udp(net, flows), false);
      }
    }
    int[] port = {9300};
    for (Hook h : Hook.values()) {
      Load tcp = () -> Traffic.tcpTransfer(net.pathA(), net.pathB(), net.ipB, port[0]++, TCP_BYTES);
      row(net, md, h, "TCP " + (TCP_BYTES >> 20) + " MiB, 1 flow", tcp, true);
    }
    md.line("");
  }

  private static Load udp(TestNetwork net, int nflows) throws Exception {
    InetSocketAddress[] dsts = new InetSocketAddress[nflows];
    for (int i = 0; i < nflows; i++) {
      dsts[i] = new InetSocketAddress(net.ipB, 9000 + i % 50000);
    }
    ByteBuffer buf = ByteBuffer.allocateDirect(18);
    return () -> {
      try (DatagramChannel rx =
              NetNs.callIn(
                  net.pathB(),
                  () -> DatagramChannel.open().bind(new InetSocketAddress(net.ipB, 9000)));
          DatagramChannel tx =
              NetNs.callIn(
                  net.pathA(),
                  () -> DatagramChannel.open().bind(new InetSocketAddress(net.ipA, 0)))) {
        for (int i = 0; i < PACKETS; i++) {
          buf.clear();
          tx.send(buf, dsts[i % dsts.length]);
        }
      }
    };
  }

  private static void row(
      TestNetwork net, BenchReport md, Hook hook, String label, Load load, boolean tcp)
      throws Exception {
    int ifB = net.ifindexB();
    try (BpfStats stats = BpfStats.enable();
        FlowDatapath dp = FlowDatapath.open();
        BpfObject empty =
            BpfObject.openResource("/io/trafficmonitor/bpf/progs/empty.bpf.o", "tm_e")) {
      empty.load();
      BpfProgram flowProg =
          hook == Hook.TC ? dp.program(TargetKind.TC, Direction.INGRESS) : dp.xdpProgram();
      BpfProgram emptyProg = empty.program(hook == Hook.TC ? "tm_empty" : "tm_empty_xdp");
      double[][] runs = new double[3][];
      if (hook == Hook.TC) {
        try (BpfLink f = inB(net, () -> flowProg.attachTc(ifB, Direction.INGRESS, TcMode.TCX));
            BpfLink e = inB(net, () -> emptyProg.attachTc(ifB, Direction.INGRESS, TcMode.TCX))) {
          load.send(); // warm-up
          for (int r = 0; r < runs.length; r++) {
            BpfProgram.ProgramStats e0 = emptyProg.stats();
            BpfProgram.ProgramStats f0 = flowProg.stats();
            load.send();
            runs[r] = perPacket(e0, emptyProg.stats(), f0, flowProg.stats());
          }
        }
      } else {
        for (int r = 0; r < runs.length; r++) {
          double[] e = measured(net, emptyProg, hook.mode(), load, r == 0);
          double[] f = measured(net, flowProg, hook.mode(), load, r == 0);
          runs[r] = new double[] {f[0], e[1], f[1]};
        }
      }
      Arrays.sort(runs, Comparator.comparingDouble(x -> x[2] - x[1]));
      double[] m = runs[runs.length / 2];
      double perMiB = m[2] * m[0] / (tcp ? TCP_BYTES / (1 << 20) : PACKETS * 64.0 / (1 << 20));
      md.line(
          "| %s | %s | %d | %.1f | %.1f | **%.1f** | %.0f |",
          hook.label, label, (long) m[0], m[1], m[2], m[2] - m[1], perMiB);
    }
  }

  /** {packets, ns/packet} of one program attached alone as XDP for one load. */
  private static double[] measured(
      TestNetwork net, BpfProgram prog, XdpMode mode, Load load, boolean warmUp) throws Exception {
    int ifB = net.ifindexB();
    try (var link = inB(net, () -> prog.attachXdp(ifB, mode))) {
      if (link.mode() != mode) {
        throw new IllegalStateException("XDP " + link.mode() + " instead of " + mode);
      }
      if (warmUp) {
        load.send();
      }
      BpfProgram.ProgramStats s0 = prog.stats();
      load.send();
      BpfProgram.ProgramStats s1 = prog.stats();
      long n = s1.runCount() - s0.runCount();
      return new double[] {n, (double) (s1.runTimeNs() - s0.runTimeNs()) / n};
    }
  }

  private static double[] perPacket(
      BpfProgram.ProgramStats e0,
      BpfProgram.ProgramStats e1,
      BpfProgram.ProgramStats f0,
      BpfProgram.ProgramStats f1) {
    double empty = (double) (e1.runTimeNs() - e0.runTimeNs()) / (e1.runCount() - e0.runCount());
    double flows = (double) (f1.runTimeNs() - f0.runTimeNs()) / (f1.runCount() - f0.runCount());
    return new double[] {f1.runCount() - f0.runCount(), empty, flows};
  }

  private static <T> T inB(TestNetwork net, Callable<T> body) throws Exception {
    return NetNs.callIn(net.pathB(), body);
  }
}
