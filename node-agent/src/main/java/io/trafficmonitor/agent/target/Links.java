package io.trafficmonitor.agent.target;

import io.trafficmonitor.bpf.Netlink;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Network interfaces of a network namespace, from an rtnetlink dump ({@link Netlink}) on a socket
 * opened in that namespace: /sys/class/net shows the namespace of whoever mounted /sys, not the one
 * the agent looks into, and no ip(8) is needed.
 */
public final class Links {
  /**
   * One interface: its name, index and kind ("veth", "bridge", "" for a device), and for a veth the
   * peer's index ({@code peerIfindex}); {@code peerElsewhere} when the peer is in another
   * namespace, the one this namespace knows as {@code peerNetnsid}.
   */
  public record Link(
      String name,
      int ifindex,
      String kind,
      int peerIfindex,
      boolean peerElsewhere,
      int peerNetnsid) {

    static Link of(Netlink.Link l) {
      return new Link(
          l.name(), l.ifindex(), l.kind(), l.peerIfindex(), l.peerElsewhere(), l.peerNetnsid());
    }
  }

  private Links() {}

  /** The interfaces of the namespace at {@code netns} (empty: the agent's own). */
  public static List<Link> list(Optional<Path> netns) {
    try (Netlink nl = Netlink.open(netns)) {
      return list(nl);
    }
  }

  /** The interfaces of the socket's namespace. */
  static List<Link> list(Netlink nl) {
    return nl.links().stream().map(Link::of).toList();
  }
}
