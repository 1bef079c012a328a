package io.trafficmonitor.bpf;

import java.nio.file.Path;

/**
 * An attachment. Closing it detaches the program unless the link is pinned ({@link #pin}): a pin
 * keeps the attachment after this process closes its fd or exits, and {@link #unpin()} followed by
 * {@link #close()} (in either order) detaches. {@link #close()} is safe to call twice; closing the
 * {@link BpfObject} of its program closes its links.
 *
 * <p>A restarted process takes a pinned link over with {@link #openPinned} and switches it to its
 * own program with {@link #update}: the hook never runs without a program, nor with two.
 */
public final class BpfLink implements AutoCloseable {
  /** How the program is attached. */
  public enum Kind {
    /**
     * A BPF link that is not tcx (cgroup, XDP, tracepoints): from libbpf, a link fd, or opened from
     * a pin.
     */
    LINK,
    /** A tcx link fd. */
    TCX,
    /** A clsact qdisc filter: not a BPF link, so it can be neither pinned nor updated. */
    CLSACT
  }

  /**
   * What the kernel says of a link: its id, {@code BPF_LINK_TYPE_*}, the id of the program it runs,
   * its target (the cgroup id of a cgroup link, the ifindex of a tcx link, else 0) and its {@code
   * bpf_attach_type}.
   */
  public record Info(int id, int type, int programId, long target, int attachType) {
    public static final int TYPE_CGROUP = 3;
    public static final int TYPE_XDP = 6;
    public static final int TYPE_TCX = 11;

    private static final int CGROUP_INET_INGRESS = 0;
    private static final int CGROUP_INET_EGRESS = 1;
    private static final int TCX_INGRESS = 46;
    private static final int TCX_EGRESS = 47;

    /** The direction of a cgroup_skb or tcx hook; null for other links. */
    public Direction direction() {
      if (type == TYPE_CGROUP) {
        return attachType == CGROUP_INET_INGRESS
            ? Direction.INGRESS
            : attachType == CGROUP_INET_EGRESS ? Direction.EGRESS : null;
      }
      if (type == TYPE_TCX) {
        return attachType == TCX_INGRESS
            ? Direction.INGRESS
            : attachType == TCX_EGRESS ? Direction.EGRESS : null;
      }
      return null;
    }
  }

  private final Kind kind;
  private final String target;
  private final long link;
  private final int fd;
  private final int ifindex;
  private final boolean ingress;
  private final int handle;
  private final int priority;
  private final int netnsFd;
  private BpfObject owner; // null for a link opened from a pin, until its update
  private Path pin;
  private volatile boolean closed;

  private BpfLink(
      BpfObject owner,
      Kind kind,
      String target,
      long link,
      int fd,
      int ifindex,
      boolean ingress,
      int handle,
      int priority,
      int netnsFd) {
    this.owner = owner;
    this.kind = kind;
    this.target = target;
    this.link = link;
    this.fd = fd;
    this.ifindex = ifindex;
    this.ingress = ingress;
    this.handle = handle;
    this.priority = priority;
    this.netnsFd = netnsFd;
  }

  static BpfLink ofLibbpf(BpfObject owner, long link, String target) {
    return new BpfLink(owner, Kind.LINK, target, link, -1, 0, false, 0, 0, -1);
  }

  static BpfLink ofFd(BpfObject owner, int fd, String target) {
    return new BpfLink(owner, Kind.TCX, target, 0, fd, 0, false, 0, 0, -1);
  }

  /** A BPF link fd that is not tcx (XDP). */
  static BpfLink ofLinkFd(BpfObject owner, int fd, String target) {
    return new BpfLink(owner, Kind.LINK, target, 0, fd, 0, false, 0, 0, -1);
  }

  /** The filter lives in the caller's network namespace: keep it to detach there later. */
  static BpfLink ofClsact(BpfObject owner, int ifindex, boolean ingress, int handle, int prio) {
    int ns = Native.nsOpen("/proc/thread-self/ns/net");
    String target = "clsact " + (ingress ? "ingress" : "egress") + " ifindex " + ifindex;
    return new BpfLink(owner, Kind.CLSACT, target, 0, -1, ifindex, ingress, handle, prio, ns);
  }

  /**
   * Opens the link pinned at {@code pin} (by this or an earlier process): this process's own
   * reference, which belongs to no {@link BpfObject} until {@link #update}. Closing it keeps the
   * attachment (the pin holds it); {@link #unpin()} then close detaches. {@code kind} says what is
   * expected there ({@link Kind#TCX} or {@link Kind#LINK}); {@code target} names it in logs.
   */
  public static BpfLink openPinned(Path pin, Kind kind, String target) {
    Native.ensureLoaded();
    if (kind == Kind.CLSACT) {
      throw new BpfException("bpf_obj_get", Errno.EINVAL, "a clsact filter has no pin");
    }
    int fd = Pins.open(pin, Pins.Type.LINK);
    BpfLink opened = new BpfLink(null, kind, target, 0, fd, 0, false, 0, 0, -1);
    opened.pin = pin;
    try {
      boolean tcx = opened.info().type() == Info.TYPE_TCX;
      if (tcx != (kind == Kind.TCX)) {
        throw new BpfException(
            "bpf_obj_get",
            Errno.EINVAL,
            pin + " holds a " + (tcx ? "tcx" : "non-tcx") + " link, not a " + kind + " link");
      }
      return opened;
    } catch (RuntimeException e) {
      Native.closeFd(fd);
      throw e;
    }
  }

  public Kind kind() {
    return kind;
  }

  /** What it is attached to, for logs. */
  public String target() {
    return target;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Where it is pinned; null when it is not. */
  public synchronized Path pinPath() {
    return pin;
  }

  /**
   * Pins the link at {@code pin} on bpffs (missing directories are made), so that the attachment
   * outlives this fd, its object and the process. Clsact filters are not links: EOPNOTSUPP.
   */
  public synchronized void pin(Path pin) {
    int linkFd = linkFd("bpf_obj_pin(" + target + ")");
    if (this.pin != null) {
      throw new BpfException(
          "bpf_obj_pin(" + target + ")", Errno.EEXIST, "already pinned at " + this.pin);
    }
    Pins.pin(linkFd, pin);
    this.pin = pin;
  }

  /**
   * Removes the pin, if any: the attachment then ends with {@link #close()} (at once when closed
   * already and no other process holds the link).
   */
  public synchronized void unpin() {
    if (pin != null) {
      Pins.unpin(pin);
      pin = null;
    }
  }

  /** The kernel's view of the link (not for clsact filters: EOPNOTSUPP). */
  public synchronized Info info() {
    long[] out = new long[5];
    Native.linkInfo(linkFd("bpf_link_get_info_by_fd(" + target + ")"), out);
    return new Info((int) out[0], (int) out[1], (int) out[2], out[3], (int) out[4]);
  }

  /**
   * Atomically replaces the link's program with {@code program} ({@code BPF_LINK_UPDATE}): every
   * packet runs either the old program or the new one, never neither or both. The program must be
   * of the link's program type (the kernel says EINVAL otherwise). The link then belongs to the
   * program's {@link BpfObject}: closing that object closes it. Clsact filters: EOPNOTSUPP.
   */
  public synchronized void update(BpfProgram program) {
    int linkFd = linkFd("bpf_link_update(" + target + ")");
    program.withFd("bpf_link_update(" + target + ")", progFd -> Native.linkUpdate(linkFd, progFd));
    BpfObject next = program.owner();
    if (next != owner) {
      if (owner != null) {
        owner.untrack(this);
      }
      owner = next;
      next.track(this); // closes this link and throws if the object closed meanwhile
    }
  }

  /** The BPF link fd, for an open link that is one. */
  private int linkFd(String operation) {
    if (closed) {
      throw new BpfException(operation, Errno.EBADF, "the link is closed");
    }
    return switch (kind) {
      case LINK -> link != 0 ? Native.linkFd(link) : fd;
      case TCX -> fd;
      case CLSACT ->
          throw new BpfException(
              operation,
              Errno.EOPNOTSUPP,
              "a clsact filter is not a BPF link: only tcx (kernel 6.6+) and cgroup links are");
    };
  }

  /** Drops this process's reference: detaches unless the link is pinned. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (owner != null) {
      owner.untrack(this);
    }
    switch (kind) {
      case LINK -> {
        if (link != 0) {
          Native.linkDestroy(link); // closes the fd; never BPF_LINK_DETACH
        } else {
          Native.closeFd(fd);
        }
      }
      case TCX -> Native.closeFd(fd);
      case CLSACT -> {
        try {
          NetNs.callIn(netnsFd, () -> Native.tcDetach(ifindex, ingress, handle, priority));
        } finally {
          Native.closeFd(netnsFd);
        }
      }
    }
  }

  @Override
  public synchronized String toString() {
    return kind + " " + target + (pin != null ? " pinned at " + pin : "");
  }
}
