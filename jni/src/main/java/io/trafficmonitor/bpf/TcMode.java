package io.trafficmonitor.bpf;

/** How a TC program is attached. */
public enum TcMode {
  /** tcx when the kernel has it (6.6+), else clsact. */
  AUTO,
  /** tcx link only. */
  TCX,
  /** clsact qdisc filter only. */
  CLSACT
}
