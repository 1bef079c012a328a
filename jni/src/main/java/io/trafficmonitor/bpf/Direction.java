package io.trafficmonitor.bpf;

/** Direction of a packet relative to its target (interface or cgroup). */
public enum Direction {
  INGRESS(0),
  EGRESS(1);

  private final int code;

  Direction(int code) {
    this.code = code;
  }

  /** The value in flow_key.direction. */
  public int code() {
    return code;
  }

  public static Direction of(int code) {
    return code == 0 ? INGRESS : EGRESS;
  }
}
