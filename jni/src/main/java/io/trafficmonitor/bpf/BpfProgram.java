package io.trafficmonitor.bpf;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.locks.Lock;
import java.util.function.IntConsumer;

/**
 * A program of a {@link BpfObject}; usable while the object is open, after that every call throws a
 * {@link BpfException} ({@code EBADF}). Each call holds off the object's {@link BpfObject#close()}
 * while it uses the program.
 */
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

  /** The program's fd: valid only while the object is open (a closed fd's number is reused). */
  public int fd() {
    Lock open = owner.use("bpf_program " + name);
    try {
      return loadedFd();
    } finally {
      open.unlock();
    }
  }

  BpfObject owner() {
    return owner;
  }

  /** Runs {@code body} with the program's fd, holding off its object's close meanwhile. */
  void withFd(String operation, IntConsumer body) {
    Lock open = owner.use(operation);
    try {
      body.accept(loadedFd());
    } finally {
      open.unlock();
    }
  }

  /** The fd, under {@link BpfObject#use}. */
  private int loadedFd() {
    owner.handle(true);
    return Native.progFd(handle);
  }

  /**
   * Attaches a TC ({@code SEC("tc")}) program to an interface of the calling thread's network
   * namespace: with {@link TcMode#AUTO} a tcx link (first in the chain) where the kernel has tcx,
   * else a clsact filter.
   */
  public BpfLink attachTc(int ifindex, Direction direction, TcMode mode) {
    Lock open = owner.use("attach " + name);
    try {
      return attachTc(loadedFd(), ifindex, direction, mode);
    } finally {
      open.unlock();
    }
  }

  private BpfLink attachTc(int fd, int ifindex, Direction direction, TcMode mode) {
    boolean ingress = direction == Direction.INGRESS;
    String target = "tc " + direction.name().toLowerCase(Locale.ROOT) + " ifindex " + ifindex;
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

  /**
   * Attaches an XDP ({@code SEC("xdp")}) program to an interface of the calling thread's network
   * namespace through an XDP link: in the driver ({@link XdpMode#NATIVE}), in the stack ({@link
   * XdpMode#GENERIC}), or {@link XdpMode#AUTO}: native where the driver takes it, else generic. The
   * result says which. An interface that already has an XDP program (another tool's) is left alone:
   * a {@link BpfException} ({@code EBUSY}) names that program.
   */
  public XdpLink attachXdp(int ifindex, XdpMode mode) {
    Lock open = owner.use("attach " + name);
    try {
      int fd = loadedFd();
      String target = "xdp ifindex " + ifindex;
      XdpMode.Attached present = XdpMode.onInterface(ifindex);
      if (present.present()) {
        throw occupied(target, present);
      }
      BpfException nativeError = null;
      if (mode != XdpMode.GENERIC) {
        try {
          return xdpLink(fd, ifindex, XdpMode.NATIVE, target);
        } catch (BpfException e) {
          if (mode == XdpMode.NATIVE || occupied(e)) {
            throw occupiedOr(e, ifindex, target);
          }
          nativeError = e; // the driver has no XDP, or refuses this program: generic
        }
      }
      try {
        return xdpLink(fd, ifindex, XdpMode.GENERIC, target);
      } catch (BpfException e) {
        if (nativeError != null) {
          e.addSuppressed(nativeError);
        }
        throw occupiedOr(e, ifindex, target);
      }
    } finally {
      open.unlock();
    }
  }

  private XdpLink xdpLink(int fd, int ifindex, XdpMode mode, String target) {
    int flags = mode == XdpMode.NATIVE ? XdpMode.FLAGS_DRV_MODE : XdpMode.FLAGS_SKB_MODE;
    int linkFd = Native.xdpAttach(fd, ifindex, flags);
    return new XdpLink(owner.track(BpfLink.ofLinkFd(owner, linkFd, target)), mode);
  }

  /** EBUSY: a program in the same mode; EEXIST: one in the other mode. */
  private static boolean occupied(BpfException e) {
    return e.errno() == Errno.EBUSY || e.errno() == Errno.EEXIST;
  }

  /** The kernel's refusal, said plainly when another program holds the hook (a race with it). */
  private static BpfException occupiedOr(BpfException e, int ifindex, String target) {
    if (!occupied(e)) {
      return e;
    }
    XdpMode.Attached present = XdpMode.onInterface(ifindex);
    return present.present() ? occupied(target, present) : e;
  }

  private static BpfException occupied(String target, XdpMode.Attached present) {
    return new BpfException(
        "attach " + target,
        Errno.EBUSY,
        "the interface already has an XDP program (id "
            + present.programId()
            + ", "
            + present.mode()
            + "), not ours: it is left in place");
  }

  /** Attaches a cgroup program (e.g. {@code cgroup_skb/ingress}) to a cgroup v2 directory. */
  public BpfLink attachCgroup(Path cgroupDir) {
    Lock open = owner.use("attach " + name);
    try {
      owner.handle(true);
      long link = Native.progAttachCgroup(handle, cgroupDir.toString());
      return owner.track(BpfLink.ofLibbpf(owner, link, "cgroup " + cgroupDir));
    } finally {
      open.unlock();
    }
  }

  /** Attaches by section name: {@code tp_btf/...}, {@code raw_tp/...}, {@code tp/...}. */
  public BpfLink attach() {
    Lock open = owner.use("attach " + name);
    try {
      owner.handle(true);
      return owner.track(BpfLink.ofLibbpf(owner, Native.progAttach(handle), name));
    } finally {
      open.unlock();
    }
  }

  /** Attaches a raw tracepoint program to the named tracepoint. */
  public BpfLink attachRawTracepoint(String tracepoint) {
    Lock open = owner.use("attach " + name);
    try {
      owner.handle(true);
      long link = Native.progAttachRawTracepoint(handle, tracepoint);
      return owner.track(BpfLink.ofLibbpf(owner, link, "raw_tp " + tracepoint));
    } finally {
      open.unlock();
    }
  }

  /** Runs the program once per repeat on a packet ({@code BPF_PROG_TEST_RUN}). */
  public TestRunResult testRun(byte[] packet, int repeat) {
    int[] out = new int[3];
    byte[] dataOut = new byte[Math.max(packet.length, 1) + 256];
    Lock open = owner.use("bpf_prog_test_run_opts(" + name + ")");
    try {
      Native.progTestRun(loadedFd(), packet, dataOut, repeat, out);
    } finally {
      open.unlock();
    }
    return new TestRunResult(out[0], out[1]);
  }

  /** Run-time statistics (counted while {@link BpfStats#enable()} is in effect). */
  public ProgramStats stats() {
    long[] out = new long[4];
    Lock open = owner.use("bpf_prog_get_info_by_fd(" + name + ")");
    try {
      Native.progInfo(loadedFd(), out);
    } finally {
      open.unlock();
    }
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
