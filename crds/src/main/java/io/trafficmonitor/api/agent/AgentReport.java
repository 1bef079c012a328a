package io.trafficmonitor.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import java.util.List;

/**
 * What one node's agent answers on {@code GET /api/v1/status}: its latest entry for every monitor
 * it serves. The operator pulls these from every agent and writes each monitor's status itself, so
 * the API write rate per monitor follows its statusInterval, not the number of nodes.
 *
 * @param node the agent's node
 * @param monitors one entry per monitor served whose figures were built at least once
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentReport(String node, List<Entry> monitors) {

  /** The path under the agent's HTTP port. */
  public static final String PATH = "/api/v1/status";

  public AgentReport {
    monitors = monitors == null ? List.of() : List.copyOf(monitors);
  }

  /**
   * One monitor's figures on this node.
   *
   * @param namespace the TrafficMonitor's namespace; null for a ClusterTrafficMonitor
   * @param name the monitor's name
   * @param uid the monitor object's uid: a monitor made again under the same name is another one
   * @param status the node's entry, as in {@code status.nodes}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(String namespace, String name, String uid, NodeStatus status) {}
}
