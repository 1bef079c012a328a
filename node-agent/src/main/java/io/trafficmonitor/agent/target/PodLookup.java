package io.trafficmonitor.agent.target;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/** Resolves a pod on the node: its cgroup, host-side veth and network namespace. */
@FunctionalInterface
public interface PodLookup {
  PodResolver.Resolved resolve(Pod pod, List<Links.Link> nodeLinks);
}
