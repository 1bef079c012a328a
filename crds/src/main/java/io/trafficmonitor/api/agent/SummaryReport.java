package io.trafficmonitor.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What one node's agent answers for a monitor's totals: the bytes and packets its pods' sockets and
 * its node interfaces received and sent since {@code since}, in all and per pod or interface. The
 * counters are the ones its metrics export: they start when an agent starts serving the monitor and
 * go on across agent restarts through the agent's checkpoint ({@code restored}). Built from the
 * monitor's series (a few per pod and interface), never from its flows.
 *
 * @param node the agent's node
 * @param namespace the TrafficMonitor's namespace; null for a ClusterTrafficMonitor
 * @param name the monitor's name
 * @param since when the counters began, RFC 3339 with nanoseconds: when this agent started serving
 *     the monitor, or, when they continue a previous agent's checkpoint, the time that checkpoint
 *     carried (an agent that wrote none: this agent's start, and the totals hold earlier counts
 *     too)
 * @param restored whether the counters continue a previous agent's checkpoint
 * @param at when the answer was made, RFC 3339 with nanoseconds
 * @param rxBytes bytes received in all (each pod's packet once, at its sockets; interfaces too)
 * @param txBytes bytes sent in all
 * @param rxPackets packets received in all
 * @param txPackets packets sent in all
 * @param pods each pod the monitor counts now, with its sockets' totals (a pod gone or no longer
 *     selected leaves this list, not the totals in all)
 * @param interfaces each node interface the monitor counts, with its totals
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SummaryReport(
    String node,
    String namespace,
    String name,
    String since,
    boolean restored,
    String at,
    long rxBytes,
    long txBytes,
    long rxPackets,
    long txPackets,
    List<Totals> pods,
    List<Totals> interfaces) {

  /** The paths under the agent's HTTP port, for a TrafficMonitor and a ClusterTrafficMonitor. */
  public static final String NAMESPACED_PATH =
      "/api/v1/namespaces/{namespace}/trafficmonitors/{name}/summary";

  public static final String CLUSTER_PATH = "/api/v1/clustertrafficmonitors/{name}/summary";

  /**
   * A pod's ({@code namespace}, {@code name}) or a node interface's ({@code name}) totals since
   * {@code since}.
   *
   * @param rxBytes bytes received
   * @param txBytes bytes sent
   * @param rxPackets packets received
   * @param txPackets packets sent
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Totals(
      String namespace, String name, long rxBytes, long txBytes, long rxPackets, long txPackets) {}
}
