package io.trafficmonitor.agent.target;

import io.trafficmonitor.bpf.Direction;
import java.nio.file.Path;

/**
 * One program attachment: a cgroup (path, id) or an interface of the node (name, ifindex). Keyed by
 * what it is attached to, including the cgroup id or ifindex, so that a pod cgroup or veth
 * recreated under the same name is a new attachment.
 */
public record Attachment(boolean cgroup, String where, long id, Direction direction) {
  public static Attachment cgroup(Path dir, long id, Direction d) {
    return new Attachment(true, dir.toString(), id, d);
  }

  public static Attachment tc(String ifname, int ifindex, Direction d) {
    return new Attachment(false, ifname, ifindex, d);
  }

  @Override
  public String toString() {
    return (cgroup ? "cgroup " : "interface ")
        + where
        + " ("
        + (cgroup ? "id " : "ifindex ")
        + id
        + ") "
        + direction.name().toLowerCase();
  }
}
