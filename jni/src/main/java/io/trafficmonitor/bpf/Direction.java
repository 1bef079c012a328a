package io.trafficmonitor.bpf;

/**
 * Which way a packet passes a hook: into or out of an interface (the TC hooks) or a cgroup (the
 * cgroup_skb hooks). The datapath keeps it in its keys; its encoding there is the datapath's (e.g.
 * {@code FlowLayout.code(Direction)}).
 */
public enum Direction {
  INGRESS,
  EGRESS
}
