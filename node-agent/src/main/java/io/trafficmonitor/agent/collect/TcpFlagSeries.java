package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.target.Target;

/**
 * TCP flows at a target that counts in totals (a pod's sockets, a node interface), in one
 * direction, whose packets carried a flag: each flow counts once per flag, when the kernel's OR of
 * its packets' flags first shows it. SYN counts connection attempts, FIN orderly closes, RST
 * resets. Written by the collector only; read by scrapes.
 */
public final class TcpFlagSeries {
  /** The labels of the series, apart from the monitor; {@code flag} is SYN, FIN or RST. */
  public record Key(Target target, String direction, String flag) {}

  /** The flags counted, with their bits in the TCP header's flags byte. */
  static final String[] NAMES = {"FIN", "SYN", "RST"};

  static final int[] BITS = {0x01, 0x02, 0x04};

  private final Key key;
  private volatile long flows;

  public TcpFlagSeries(Key key) {
    this.key = key;
  }

  public Key key() {
    return key;
  }

  public long flows() {
    return flows;
  }

  void add(long n) {
    flows += n;
  }
}
