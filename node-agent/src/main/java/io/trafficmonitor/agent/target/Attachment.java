package io.trafficmonitor.agent.target;

import io.trafficmonitor.bpf.Direction;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One program attachment: a cgroup (path, id) or an interface of the node (name, ifindex), by TC
 * or, for a node interface's ingress, by XDP. Keyed by what it is attached to, including the cgroup
 * id or ifindex, so that a pod cgroup or veth recreated under the same name is a new attachment.
 */
public record Attachment(boolean cgroup, String where, long id, Direction direction, boolean xdp) {
  public Attachment(boolean cgroup, String where, long id, Direction direction) {
    this(cgroup, where, id, direction, false);
  }

  public static Attachment cgroup(Path dir, long id, Direction d) {
    return new Attachment(true, dir.toString(), id, d);
  }

  public static Attachment tc(String ifname, int ifindex, Direction d) {
    return new Attachment(false, ifname, ifindex, d);
  }

  /** A node interface's ingress at the driver (XDP), in place of TC ingress. */
  public static Attachment xdp(String ifname, int ifindex) {
    return new Attachment(false, ifname, ifindex, Direction.INGRESS, true);
  }

  /** The TC ingress of the same interface: what an XDP attachment falls back to. */
  public Attachment asTc() {
    return new Attachment(cgroup, where, id, direction, false);
  }

  @Override
  public String toString() {
    return (cgroup ? "cgroup " : "interface ")
        + where
        + " ("
        + (cgroup ? "id " : "ifindex ")
        + id
        + ") "
        + direction.name().toLowerCase(Locale.ROOT)
        + (xdp ? " (XDP)" : "");
  }
}
