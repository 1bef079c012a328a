package io.trafficmonitor.bpf;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An attachment. Closing it detaches the program (nothing is pinned, so nothing stays behind);
 * {@link #close()} is safe to call twice, and closing the {@link BpfObject} closes its links.
 */
public final class BpfLink implements AutoCloseable {
  /** How the program is attached. */
  public enum Kind {
    /** A libbpf {@code bpf_link} (cgroup, tracepoints). */
    LINK,
    /** A tcx link fd. */
    TCX,
    /** A clsact qdisc filter. */
    CLSACT
  }

  private final BpfObject owner;
  private final Kind kind;
  private final String target;
  private final long link;
  private final int fd;
  private final int ifindex;
  private final boolean ingress;
  private final int handle;
  private final int priority;
  private final int netnsFd;
  private final AtomicBoolean closed = new AtomicBoolean();

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

  /** The filter lives in the caller's network namespace: keep it to detach there later. */
  static BpfLink ofClsact(BpfObject owner, int ifindex, boolean ingress, int handle, int prio) {
    int ns = Native.nsOpen("/proc/thread-self/ns/net");
    String target = "clsact " + (ingress ? "ingress" : "egress") + " ifindex " + ifindex;
    return new BpfLink(owner, Kind.CLSACT, target, 0, -1, ifindex, ingress, handle, prio, ns);
  }

  public Kind kind() {
    return kind;
  }

  /** What it is attached to, for logs. */
  public String target() {
    return target;
  }

  public boolean isClosed() {
    return closed.get();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    owner.untrack(this);
    switch (kind) {
      case LINK -> Native.linkDestroy(link);
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
  public String toString() {
    return kind + " " + target;
  }
}
