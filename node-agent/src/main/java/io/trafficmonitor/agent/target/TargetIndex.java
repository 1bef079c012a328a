package io.trafficmonitor.agent.target;

import io.trafficmonitor.datapath.flow.TargetKind;
import java.util.Map;

/**
 * An immutable map from kernel targets to what they stand for: cgroup ids (the pod cgroup and every
 * cgroup below it), ifindexes of the node's network namespace, and the inodes of pods' own network
 * namespaces (to the pod's cgroup target: what is dropped there without a socket is the pod's).
 */
public record TargetIndex(
    Map<Long, Target> cgroups, Map<Integer, Target> interfaces, Map<Long, Target> netns) {
  public static final TargetIndex EMPTY = new TargetIndex(Map.of(), Map.of());

  public TargetIndex {
    cgroups = Map.copyOf(cgroups);
    interfaces = Map.copyOf(interfaces);
    netns = Map.copyOf(netns);
  }

  public TargetIndex(Map<Long, Target> cgroups, Map<Integer, Target> interfaces) {
    this(cgroups, interfaces, Map.of());
  }

  /** The pod whose own network namespace has this inode, or null. */
  public Target podOfNetns(long inode) {
    return inode == 0 ? null : netns.get(inode);
  }

  /** The target of a flow key's kind code and target, or null when unknown. */
  public Target lookup(int kindCode, long target) {
    return kindCode == TargetKind.CGROUP.code()
        ? cgroups.get(target)
        : interfaces.get((int) target);
  }
}
