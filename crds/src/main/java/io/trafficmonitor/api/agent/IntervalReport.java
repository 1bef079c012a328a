package io.trafficmonitor.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What one node's agent answers for a monitor's intervals: its per-interval records (one per
 * spec.interval, numbered from 1 since the agent started, without a gap), those numbered after the
 * {@code after} the caller gives. A caller that keeps the last number it saw and asks again gets
 * every interval once; {@code missed} says that some it asked for are no longer kept (the agent
 * keeps the last 1,024).
 *
 * @param node the agent's node
 * @param namespace the TrafficMonitor's namespace; null for a ClusterTrafficMonitor
 * @param name the monitor's name
 * @param intervalNanos the monitor's interval
 * @param first the oldest record kept (0: none yet)
 * @param last the newest record (0: none yet)
 * @param missed whether records after {@code after} are no longer kept
 * @param records the records after {@code after}, oldest first
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IntervalReport(
    String node,
    String namespace,
    String name,
    long intervalNanos,
    long first,
    long last,
    boolean missed,
    List<Interval> records) {

  /** The paths under the agent's HTTP port, for a TrafficMonitor and a ClusterTrafficMonitor. */
  public static final String NAMESPACED_PATH =
      "/api/v1/namespaces/{namespace}/trafficmonitors/{name}/intervals";

  public static final String CLUSTER_PATH = "/api/v1/clustertrafficmonitors/{name}/intervals";

  /**
   * One interval: bytes and packets that crossed the monitor's pods' sockets and node interfaces
   * (each pod's packet once), in all and per pod or interface (those with traffic only).
   *
   * @param seq its number
   * @param end when it ended, RFC 3339 with nanoseconds
   * @param durationNanos how long it was (collections close intervals: about spec.interval)
   */
  public record Interval(
      long seq,
      String end,
      long durationNanos,
      long rxBytes,
      long txBytes,
      long rxPackets,
      long txPackets,
      List<Counts> pods,
      List<Counts> interfaces) {}

  /**
   * A pod's ({@code namespace}, {@code name}) or a node interface's ({@code name}) traffic in one
   * interval.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Counts(
      String namespace, String name, long rxBytes, long txBytes, long rxPackets, long txPackets) {}
}
