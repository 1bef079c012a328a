package io.trafficmonitor.agent.spec;

import io.trafficmonitor.api.v1alpha1.Selector;
import io.trafficmonitor.api.v1alpha1.SelectorRequirement;
import java.util.List;
import java.util.Map;

/** Label selector matching, with Kubernetes' semantics. */
public final class Selectors {
  private Selectors() {}

  /** True when every requirement of the selector holds; an empty selector matches all. */
  public static boolean matches(Selector selector, Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (var e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(l.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (SelectorRequirement r : selector.getMatchExpressions()) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        String v = l.get(r.getKey());
        boolean ok =
            switch (r.getOperator()) {
              case In -> v != null && values.contains(v);
              case NotIn -> v == null || !values.contains(v);
              case Exists -> l.containsKey(r.getKey());
              case DoesNotExist -> !l.containsKey(r.getKey());
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }
}
