package io.trafficmonitor.agent.spec;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether a monitor covers this node. Where agents run is the cluster admin's choice (the chart's
 * agent placement); a monitor's {@code nodeSelector} and {@code tolerations} only narrow it, with
 * the scheduler's meaning: every selector label must match the node's, and every NoSchedule or
 * NoExecute taint of the node must be tolerated.
 */
public final class NodeSelection {
  private NodeSelection() {}

  public static boolean covers(TrafficMonitorSpec spec, Node node) {
    Map<String, String> selector = spec == null ? null : spec.getNodeSelector();
    Map<String, String> labels =
        node == null || node.getMetadata().getLabels() == null
            ? Map.of()
            : node.getMetadata().getLabels();
    if (selector != null) {
      for (Map.Entry<String, String> e : selector.entrySet()) {
        if (!Objects.equals(e.getValue(), labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    List<Taint> taints =
        node == null || node.getSpec() == null || node.getSpec().getTaints() == null
            ? List.of()
            : node.getSpec().getTaints();
    List<Toleration> tolerations =
        spec == null || spec.getTolerations() == null ? List.of() : spec.getTolerations();
    for (Taint t : taints) {
      if ("PreferNoSchedule".equals(t.getEffect())) {
        continue;
      }
      if (tolerations.stream().noneMatch(tol -> tolerates(tol, t))) {
        return false;
      }
    }
    return true;
  }

  static boolean tolerates(Toleration tol, Taint t) {
    if (tol.getEffect() != null
        && !tol.getEffect().isEmpty()
        && !tol.getEffect().equals(t.getEffect())) {
      return false;
    }
    if (tol.getKey() == null || tol.getKey().isEmpty()) {
      return "Exists".equals(tol.getOperator());
    }
    if (!tol.getKey().equals(t.getKey())) {
      return false;
    }
    return "Exists".equals(tol.getOperator())
        || Objects.equals(
            tol.getValue() == null ? "" : tol.getValue(), t.getValue() == null ? "" : t.getValue());
  }
}
