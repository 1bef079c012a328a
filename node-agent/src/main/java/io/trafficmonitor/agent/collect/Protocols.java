package io.trafficmonitor.agent.collect;

/** Names of IP protocol numbers, as the spec and the metric labels spell them. */
final class Protocols {
  private Protocols() {}

  /** The protocol label: the spec's names (TCP, UDP, ...), Other for the rest (bounded). */
  static String label(int protocol) {
    String n = specName(protocol);
    return Character.isDigit(n.charAt(0)) ? "Other" : n;
  }

  /** The spec's spelling (Flow.protocol in the status). */
  static String specName(int protocol) {
    return switch (protocol) {
      case 6 -> "TCP";
      case 17 -> "UDP";
      case 1 -> "ICMP";
      case 58 -> "ICMPv6";
      case 132 -> "SCTP";
      case 47 -> "GRE";
      case 50 -> "ESP";
      default -> Integer.toString(protocol);
    };
  }
}
