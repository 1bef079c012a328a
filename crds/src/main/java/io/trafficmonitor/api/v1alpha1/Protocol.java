package io.trafficmonitor.api.v1alpha1;

/** An IP protocol, by the name people use for it. */
public enum Protocol {
  TCP,
  UDP,
  SCTP,
  ICMP,
  ICMPv6,
  GRE,
  ESP
}
