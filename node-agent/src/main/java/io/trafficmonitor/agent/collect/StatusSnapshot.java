package io.trafficmonitor.agent.collect;

import java.util.List;

/**
 * What the collector hands to the status writer: cumulative node totals (bytes, packets, payload,
 * sequence figures) and the top flows.
 */
public record StatusSnapshot(
    long collectedAt,
    long rxBytes,
    long txBytes,
    long rxPackets,
    long txPackets,
    long rxPayloadBytes,
    long txPayloadBytes,
    Sequence sequence,
    long activeFlows,
    long uniqueFlows,
    long uniquePeers,
    List<Talker> topTalkers,
    List<TopFlow> topFlows,
    List<HeavyPrefix> heavyPrefixes) {

  /**
   * A heavy prefix of the sources ({@code source}) or destinations: its bytes less those of the
   * listed prefixes inside it, and all its bytes (upper estimates, see {@code PrefixHeavyHitters}).
   */
  public record HeavyPrefix(boolean source, String prefix, long bytes, long totalBytes) {}

  /** A remote address and its bytes since start (an estimate, never below the truth). */
  public record Talker(String address, long bytes) {}

  /** Sequence-number figures of the node's pod cgroups and interfaces, since the agent started. */
  public record Sequence(long received, long reverse, long smallGaps, long bigGaps, long lost) {}

  /**
   * One busy flow: its totals since first seen, its bytes during the status interval, its
   * application name (or null), and the mean and deviation of its inter-arrival times in the
   * current burst (0 when jitter is off or there were fewer than two packets).
   */
  public record TopFlow(
      String source,
      String destination,
      Integer sourcePort,
      Integer destinationPort,
      String protocol,
      String application,
      String pod,
      long bytes,
      long packets,
      long payloadBytes,
      long intervalBytes,
      double meanInterArrivalNanos,
      double jitterNanos) {}
}
