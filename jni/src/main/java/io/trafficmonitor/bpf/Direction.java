package io.trafficmonitor.bpf;

/**
 * Which way a packet passes a hook: into or out of an interface (the TC hooks) or a cgroup (the
 * cgroup_skb hooks). A datapath that keeps it in its maps encodes it there itself.
 */
public enum Direction {
  INGRESS,
  EGRESS
}
