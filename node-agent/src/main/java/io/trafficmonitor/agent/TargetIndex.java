package io.trafficmonitor.agent;

import io.trafficmonitor.bpf.TargetKind;
import java.util.Map;

/**
 * An immutable map from kernel targets to what they stand for: cgroup ids (the pod cgroup and every
 * cgroup below it) and ifindexes of the node's network namespace.
 */
public record TargetIndex(Map<Long, Target> cgroups, Map<Integer, Target> interfaces) {
  public static final TargetIndex EMPTY = new TargetIndex(Map.of(), Map.of());

  public TargetIndex {
    cgroups = Map.copyOf(cgroups);
    interfaces = Map.copyOf(interfaces);
  }

  /** The target of a flow key's kind code and target, or null when unknown. */
  public Target lookup(int kindCode, long target) {
    return kindCode == TargetKind.CGROUP.code()
        ? cgroups.get(target)
        : interfaces.get((int) target);
  }
}
