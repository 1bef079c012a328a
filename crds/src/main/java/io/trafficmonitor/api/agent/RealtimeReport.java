package io.trafficmonitor.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.HeavyPrefix;
import java.util.List;

/**
 * What one node's agent answers for a monitor's current rates: per pod and per node interface, the
 * bytes and packets a second of its newest interval records that together last at least {@link
 * #WINDOW_NANOS} (the last record alone when spec.interval is 1 s or more; about the last 100 at 10
 * ms), and the monitor's busiest flows and heavy prefixes as its last status entry on this node
 * lists them. Built from what the agent already keeps: the records (a walk of those in the window)
 * and the status entry (no walk of the flows or prefixes at all).
 *
 * @param node the agent's node
 * @param namespace the TrafficMonitor's namespace; null for a ClusterTrafficMonitor
 * @param name the monitor's name
 * @param at when the answer was made, RFC 3339 with nanoseconds
 * @param intervalNanos the monitor's interval (spec.interval), nanoseconds
 * @param window the records the rates are of; null before the first record closes (then no rates)
 * @param total the monitor's rates on this node, in all (each pod's packet once, at its sockets);
 *     null without a window
 * @param pods the rates of each pod with traffic in the window (its sockets); a pod not listed had
 *     none
 * @param interfaces the rates of each node interface with traffic in the window
 * @param topFlowsAt when the top flows were taken: the last status entry's lastUpdate, RFC 3339;
 *     null before the first
 * @param statusIntervalNanos the monitor's status interval (spec.statusInterval), nanoseconds: what
 *     each top flow's bitsPerSecond is averaged over
 * @param topFlows the busiest flows (spec.topN), as status.nodes[].topFlows has them: 5-tuple,
 *     bytes and packets since first seen, bitsPerSecond over the status interval, application,
 *     round-trip time and retransmits when known, peers when named
 * @param heavyPrefixes this node's heavy prefixes (spec.prefixes), as status.nodes[].heavyPrefixes
 *     has them in the same entry (taken at topFlowsAt): direction, prefix, bytes, totalBytes and
 *     share of this node's bytes; null (absent) when the monitor does not ask for prefixes or the
 *     entry lists none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RealtimeReport(
    String node,
    String namespace,
    String name,
    String at,
    long intervalNanos,
    Window window,
    Rates total,
    List<Rates> pods,
    List<Rates> interfaces,
    String topFlowsAt,
    long statusIntervalNanos,
    List<Flow> topFlows,
    List<HeavyPrefix> heavyPrefixes) {

  /** The paths under the agent's HTTP port, for a TrafficMonitor and a ClusterTrafficMonitor. */
  public static final String NAMESPACED_PATH =
      "/api/v1/namespaces/{namespace}/trafficmonitors/{name}/realtime";

  public static final String CLUSTER_PATH = "/api/v1/clustertrafficmonitors/{name}/realtime";

  /** The rates are of the newest records that together last at least this long: 1 s. */
  public static final long WINDOW_NANOS = 1_000_000_000L;

  /**
   * The interval records the rates are of: those numbered {@code first} to {@code last} (as {@link
   * IntervalReport} numbers them), ending at {@code end} and lasting {@code durationNanos} in all.
   *
   * @param first the oldest record of the window
   * @param last the newest record of the window, the last closed
   * @param end when the newest record ended, RFC 3339 with nanoseconds
   * @param durationNanos the records' durations added up, nanoseconds: what the rates divide by
   */
  public record Window(long first, long last, String end, long durationNanos) {}

  /**
   * A pod's ({@code namespace}, {@code name}), a node interface's ({@code name}) or the monitor's
   * (neither) rates over the window: bytes and packets in (rx) and out (tx), a second.
   *
   * @param rxBytesPerSecond bytes received a second
   * @param txBytesPerSecond bytes sent a second
   * @param rxPacketsPerSecond packets received a second
   * @param txPacketsPerSecond packets sent a second
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Rates(
      String namespace,
      String name,
      double rxBytesPerSecond,
      double txBytesPerSecond,
      double rxPacketsPerSecond,
      double txPacketsPerSecond) {}
}
