package io.trafficmonitor.agent;

import java.util.List;

/** What the collector hands to the status writer: cumulative node totals and the top flows. */
public record StatusSnapshot(
    long collectedAt,
    long rxBytes,
    long txBytes,
    long rxPackets,
    long txPackets,
    long activeFlows,
    long uniqueFlows,
    List<TopFlow> topFlows) {

  /** One busy flow: its totals since first seen and its bytes during the status interval. */
  public record TopFlow(
      String source,
      String destination,
      Integer sourcePort,
      Integer destinationPort,
      String protocol,
      String pod,
      long bytes,
      long packets,
      long intervalBytes) {}
}
