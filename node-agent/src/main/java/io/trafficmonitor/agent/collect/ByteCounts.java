package io.trafficmonitor.agent.collect;

/**
 * Cumulative bytes and packets of a series that a flow feeds beside its main one (an application's,
 * a peer's). Written by the collector only; read by scrapes.
 */
public abstract class ByteCounts {
  private volatile long bytes;
  private volatile long packets;

  public long bytes() {
    return bytes;
  }

  public long packets() {
    return packets;
  }

  void add(long db, long dp) {
    bytes += db;
    packets += dp;
  }
}
