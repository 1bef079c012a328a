package io.trafficmonitor.agent;

/**
 * Cumulative counters of one metric series: a target, a direction (ingress or egress from the pod
 * or node's point of view) and a protocol. Written by the collector only; read by scrapes.
 */
public final class Series {
  /** The labels of the series, apart from the monitor. */
  public record Key(Target target, String direction, String protocol) {}

  private final Key key;
  private volatile long bytes;
  private volatile long packets;

  Series(Key key) {
    this.key = key;
  }

  public Key key() {
    return key;
  }

  public long bytes() {
    return bytes;
  }

  public long packets() {
    return packets;
  }

  void add(long deltaBytes, long deltaPackets) {
    bytes += deltaBytes; // one writer: the collector
    packets += deltaPackets;
  }
}
