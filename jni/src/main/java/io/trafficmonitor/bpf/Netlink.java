package io.trafficmonitor.bpf;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A NETLINK_ROUTE socket of one network namespace: its interfaces, the ids it gives other
 * namespaces, the addresses and interfaces of those namespaces (read by id, without entering them),
 * and its clsact filters. What ip(8) and tc(8) would tell, with no program run.
 *
 * <p>The socket belongs to the namespace it was opened in, whichever thread uses it; opening it in
 * another namespace than the caller's ({@link #open(Optional)} with a path) enters that namespace
 * for the socket() call, which needs CAP_SYS_ADMIN. Reading another namespace by id ({@link
 * #links(int)}, {@link #addresses(int)}) needs CAP_NET_ADMIN over it; the rest needs nothing,
 * except {@link #deleteTcFilter} (CAP_NET_ADMIN). Not thread-safe; {@link #close()} is safe twice.
 */
public final class Netlink implements AutoCloseable {
  private static final AtomicInteger SEQ = new AtomicInteger((int) System.nanoTime() & 0xFFFF);
  private static final int DUMP_ATTEMPTS = 3;
  private static final int EINTR = 4;

  /**
   * An interface. {@code peerIfindex} is IFLA_LINK (a veth's peer, in the namespace with id {@code
   * peerNetnsid} when {@code peerElsewhere}, else in this one; 0 when none); {@code kind} is the
   * link kind ("veth", "bridge", ...; "" for a physical device); {@code master} a bridge's ifindex.
   */
  public record Link(
      String name,
      int ifindex,
      String kind,
      int peerIfindex,
      boolean peerElsewhere,
      int peerNetnsid,
      int master) {}

  /** An address of an interface. */
  public record Address(int ifindex, InetAddress address) {}

  /**
   * A clsact filter of kind bpf: interface, hook, priority, handle, the raw tcm_info (priority and
   * protocol, as the kernel wants it back to delete the filter), program name and id.
   */
  public record TcFilter(
      int ifindex,
      boolean ingress,
      int priority,
      int handle,
      int info,
      String programName,
      int programId) {}

  /** RTM_GETNSID's answer for a namespace this one has given no id. */
  public static final int NSID_NOT_ASSIGNED = -1;

  private int fd;

  private Netlink(int fd) {
    this.fd = fd;
  }

  /** A socket in the namespace at {@code netns}, or in the calling thread's when empty. */
  public static Netlink open(Optional<Path> netns) {
    Native.ensureLoaded();
    if (netns.isEmpty()) {
      return new Netlink(Native.nlOpen(-1));
    }
    int ns = Native.nsOpen(netns.get().toString());
    try {
      return new Netlink(Native.nlOpen(ns));
    } finally {
      Native.closeFd(ns);
    }
  }

  /** The interfaces of this namespace. */
  public List<Link> links() {
    return links(-1);
  }

  /** The interfaces of the namespace this one knows as {@code nsid} (-1: this one). */
  public List<Link> links(int nsid) {
    return Rtnl.parseLinks(dump(() -> Rtnl.getLinks(seq(), nsid), "RTM_GETLINK"));
  }

  /** The IPv4 and IPv6 addresses of the namespace this one knows as {@code nsid} (-1: this). */
  public List<Address> addresses(int nsid) {
    return Rtnl.parseAddresses(dump(() -> Rtnl.getAddresses(seq(), nsid), "RTM_GETADDR"));
  }

  /**
   * The id this namespace gives the network namespace of process {@code pid} (a pid of the caller's
   * PID namespace), or {@link #NSID_NOT_ASSIGNED}. No access to the process is needed.
   */
  public int nsidOfPid(long pid) {
    return Rtnl.parseNsid(talk(Rtnl.getNsid(seq(), Rtnl.NETNSA_PID, (int) pid), "RTM_GETNSID"));
  }

  /**
   * The id this namespace gives the namespace file {@code nsFile} (e.g. /proc/PID/ns/net, which
   * opens only for who may ptrace PID), or {@link #NSID_NOT_ASSIGNED}.
   */
  public int nsidOf(Path nsFile) {
    int ns = Native.nsOpen(nsFile.toString());
    try {
      return Rtnl.parseNsid(talk(Rtnl.getNsid(seq(), Rtnl.NETNSA_FD, ns), "RTM_GETNSID"));
    } finally {
      Native.closeFd(ns);
    }
  }

  /** The bpf filters of an interface's clsact hook (none when it has no clsact qdisc). */
  public List<TcFilter> tcFilters(int ifindex, boolean ingress) {
    return Rtnl.parseTcFilters(
        dump(() -> Rtnl.getTcFilters(seq(), ifindex, ingress), "RTM_GETTFILTER"));
  }

  /** Deletes a filter found by {@link #tcFilters}. */
  public void deleteTcFilter(TcFilter filter) {
    talk(Rtnl.deleteTcFilter(seq(), filter), "RTM_DELTFILTER");
  }

  private byte[] talk(byte[] request, String op) {
    if (fd < 0) {
      throw new BpfException(op, Errno.EINVAL, "netlink socket closed");
    }
    return Native.nlTalk(fd, request, op);
  }

  /** A dump, again when a concurrent change interrupted it. */
  private byte[] dump(Supplier<byte[]> request, String op) {
    for (int attempt = 1; ; attempt++) {
      try {
        return talk(request.get(), op);
      } catch (BpfException e) {
        if (e.errno() != EINTR || attempt == DUMP_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private static int seq() {
    return SEQ.incrementAndGet();
  }

  @Override
  public void close() {
    if (fd >= 0) {
      Native.closeFd(fd);
      fd = -1;
    }
  }
}
