package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * What the operator and the agents observed. One writer per field: the operator owns
 * observedGeneration, conditions and summary; each agent owns its own entry of nodes (a list-map
 * keyed by node, written with server-side apply under the agent's own field manager).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrafficMonitorStatus {

  @JsonPropertyDescription("The metadata.generation that the operator last acted on.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Ready: every selected node runs an agent of the current spec and reports. Degraded: an"
          + " agent stopped reporting or reports errors; the reason and message name the node.")
  private List<Condition> conditions;

  @JsonPropertyDescription(
      "One entry per node, written by that node's agent only (server-side apply, field manager"
          + " trafficmonitor-agent-<node>).")
  private List<NodeStatus> nodes;

  @JsonPropertyDescription("Totals over all nodes, written by the operator.")
  private Summary summary;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public List<NodeStatus> getNodes() {
    return nodes;
  }

  public void setNodes(List<NodeStatus> nodes) {
    this.nodes = nodes;
  }

  public Summary getSummary() {
    return summary;
  }

  public void setSummary(Summary summary) {
    this.summary = summary;
  }
}
