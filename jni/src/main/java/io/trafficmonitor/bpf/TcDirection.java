package io.trafficmonitor.bpf;

/** The TC hook of an interface. */
public enum TcDirection {
  INGRESS,
  EGRESS
}
