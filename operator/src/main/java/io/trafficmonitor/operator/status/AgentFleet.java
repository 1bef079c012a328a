package io.trafficmonitor.operator.status;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where the agents run, as the status of every monitor sees it: the one agent DaemonSet (its
 * rollout) and the nodes its pods are on. A monitor covers the nodes among these that its
 * nodeSelector and tolerations admit, by the rule the agents apply themselves (node-agent's {@code
 * NodeSelection}): so the monitor's status waits for exactly the agents that will report to it.
 *
 * @param daemonSet the agent DaemonSet, or null while there is none
 * @param nodes the nodes an agent pod is bound to (and not being deleted)
 * @param applyError why the operator cannot apply the DaemonSet, or null
 * @param addresses the address of each node's agent pod (its node's, with host networking), by node
 */
public record AgentFleet(
    DaemonSet daemonSet, List<Node> nodes, String applyError, Map<String, String> addresses) {

  public AgentFleet {
    nodes = List.copyOf(nodes);
    addresses = Map.copyOf(addresses);
  }

  /** A fleet whose agents have no address yet. */
  public AgentFleet(DaemonSet daemonSet, List<Node> nodes, String applyError) {
    this(daemonSet, nodes, applyError, Map.of());
  }

  /** How many of the agents' nodes {@code spec} covers. */
  public int covered(TrafficMonitorSpec spec) {
    return (int) nodes.stream().filter(n -> covers(spec, n)).count();
  }

  /**
   * Whether a monitor covers a node: every label of its nodeSelector is the node's, and its
   * tolerations tolerate every NoSchedule and NoExecute taint of the node (the scheduler's
   * meaning).
   */
  static boolean covers(TrafficMonitorSpec spec, Node node) {
    Map<String, String> labels =
        node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    if (spec != null && spec.getNodeSelector() != null) {
      for (Map.Entry<String, String> e : spec.getNodeSelector().entrySet()) {
        if (!Objects.equals(e.getValue(), labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    List<Taint> taints =
        node.getSpec() == null || node.getSpec().getTaints() == null
            ? List.of()
            : node.getSpec().getTaints();
    List<Toleration> tolerations =
        spec == null || spec.getTolerations() == null ? List.of() : spec.getTolerations();
    return taints.stream()
        .filter(t -> !"PreferNoSchedule".equals(t.getEffect()))
        .allMatch(t -> tolerations.stream().anyMatch(tol -> tolerates(tol, t)));
  }

  /** A toleration as the scheduler reads it: an empty key with Exists tolerates every taint. */
  static boolean tolerates(Toleration tol, Taint taint) {
    if (tol.getEffect() != null
        && !tol.getEffect().isEmpty()
        && !tol.getEffect().equals(taint.getEffect())) {
      return false;
    }
    boolean exists = "Exists".equals(tol.getOperator());
    if (tol.getKey() == null || tol.getKey().isEmpty()) {
      return exists;
    }
    if (!tol.getKey().equals(taint.getKey())) {
      return false;
    }
    return exists || Objects.equals(orEmpty(tol.getValue()), orEmpty(taint.getValue()));
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
