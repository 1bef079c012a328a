package io.trafficmonitor.agent.target;

/**
 * What a kernel flow target (a cgroup id or an ifindex) stands for: a pod's cgroup, a pod's
 * host-side veth, or a node interface. Directions are reported from the pod's (or the node's) point
 * of view: ingress is traffic into the pod, so a veth's host-side ingress is the pod's egress.
 */
public record Target(Kind kind, String namespace, String pod, String iface) {
  /** The kind of target. */
  public enum Kind {
    /** cgroup_skb on the pod's cgroup: every packet of the pod's sockets. */
    POD_CGROUP,
    /** TC on the pod's host-side veth: L2 view, what never reaches a socket too. */
    POD_VETH,
    /** TC on a node interface. */
    NODE_INTERFACE
  }

  /** The interface label of pod cgroup series. */
  public static final String CGROUP_INTERFACE = "cgroup";

  public static Target podCgroup(String namespace, String pod) {
    return new Target(Kind.POD_CGROUP, namespace, pod, CGROUP_INTERFACE);
  }

  public static Target podVeth(String namespace, String pod, String veth) {
    return new Target(Kind.POD_VETH, namespace, pod, veth);
  }

  /**
   * A node interface: the same target for every monitor that counts it (its series carry the
   * monitor's namespace and no pod).
   */
  public static Target nodeInterface(String name) {
    return new Target(Kind.NODE_INTERFACE, "", "", name);
  }

  /** True for a veth seen from the host side: kernel ingress is the pod's egress. */
  public boolean reversed() {
    return kind == Kind.POD_VETH;
  }

  /**
   * True when this target's traffic is part of the node's totals: pod cgroups and node interfaces.
   * Pod veths carry the same packets as the pod's cgroup, so they would count them twice.
   */
  public boolean inTotals() {
    return kind != Kind.POD_VETH;
  }

  /** namespace/pod, or null for a node interface. */
  public String podKey() {
    return kind == Kind.NODE_INTERFACE ? null : namespace + "/" + pod;
  }
}
