package io.trafficmonitor.datapath.flow;

/** Where a packet was seen. */
public enum TargetKind {
  /** A TC hook of an interface; the target is its ifindex. */
  TC(1),
  /** A cgroup_skb hook; the target is the cgroup v2 id of the socket's cgroup. */
  CGROUP(2);

  private final int code;

  TargetKind(int code) {
    this.code = code;
  }

  /** The value in flow_key.kind. */
  public int code() {
    return code;
  }

  public static TargetKind of(int code) {
    return code == 1 ? TC : CGROUP;
  }
}
