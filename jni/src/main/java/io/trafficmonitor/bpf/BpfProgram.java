package io.trafficmonitor.bpf;

import java.nio.file.Path;

/** A program of a {@link BpfObject}; valid while the object is open. */
public final class BpfProgram {
  private final BpfObject owner;
  private final String name;
  private final long handle;

  BpfProgram(BpfObject owner, String name, long handle) {
    this.owner = owner;
    this.name = name;
    this.handle = handle;
  }

  public String name() {
    return name;
  }

  public int fd() {
    owner.handle(true);
    return Native.progFd(handle);
  }

  /**
   * Attaches a TC ({@code SEC("tc")}) program to an interface of the calling thread's network
   * namespace: with {@link TcMode#AUTO} a tcx link (first in the chain) where the kernel has tcx,
   * else a clsact filter.
   */
  public BpfLink attachTc(int ifindex, Direction direction, TcMode mode) {
    int fd = fd();
    boolean ingress = direction == Direction.INGRESS;
    String target = "tc " + direction.name().toLowerCase() + " ifindex " + ifindex;
    BpfException tcxError = null;
    if (mode != TcMode.CLSACT) {
      try {
        return owner.track(BpfLink.ofFd(owner, Native.tcxAttach(fd, ifindex, ingress), target));
      } catch (BpfException e) {
        if (mode == TcMode.TCX) {
          throw e;
        }
        tcxError = e; // no tcx (kernel < 6.6): fall back to clsact
      }
    }
    try {
      long r = Native.tcAttach(fd, ifindex, ingress);
      return owner.track(BpfLink.ofClsact(owner, ifindex, ingress, (int) (r >>> 32), (int) r));
    } catch (BpfException e) {
      if (tcxError != null) {
        e.addSuppressed(tcxError);
      }
      throw e;
    }
  }

  /** Attaches a cgroup program (e.g. {@code cgroup_skb/ingress}) to a cgroup v2 directory. */
  public BpfLink attachCgroup(Path cgroupDir) {
    owner.handle(true);
    long link = Native.progAttachCgroup(handle, cgroupDir.toString());
    return owner.track(BpfLink.ofLibbpf(owner, link, "cgroup " + cgroupDir));
  }

  /** Attaches by section name: {@code tp_btf/...}, {@code raw_tp/...}, {@code tp/...}. */
  public BpfLink attach() {
    owner.handle(true);
    return owner.track(BpfLink.ofLibbpf(owner, Native.progAttach(handle), name));
  }

  /** Attaches a raw tracepoint program to the named tracepoint. */
  public BpfLink attachRawTracepoint(String tracepoint) {
    owner.handle(true);
    long link = Native.progAttachRawTracepoint(handle, tracepoint);
    return owner.track(BpfLink.ofLibbpf(owner, link, "raw_tp " + tracepoint));
  }

  /** Runs the program once per repeat on a packet ({@code BPF_PROG_TEST_RUN}). */
  public TestRunResult testRun(byte[] packet, int repeat) {
    int[] out = new int[3];
    byte[] dataOut = new byte[Math.max(packet.length, 1) + 256];
    Native.progTestRun(fd(), packet, dataOut, repeat, out);
    return new TestRunResult(out[0], out[1]);
  }

  /** Run-time statistics (counted while {@link BpfStats#enable()} is in effect). */
  public ProgramStats stats() {
    long[] out = new long[4];
    Native.progInfo(fd(), out);
    return new ProgramStats((int) out[0], out[1], out[2]);
  }

  /** Result of {@link #testRun}: the program's return value and the mean run time. */
  public record TestRunResult(int retval, int durationNs) {}

  /** Kernel id and run-time statistics of a program. */
  public record ProgramStats(int id, long runTimeNs, long runCount) {
    public double nsPerRun() {
      return runCount == 0 ? 0 : (double) runTimeNs / runCount;
    }
  }
}
