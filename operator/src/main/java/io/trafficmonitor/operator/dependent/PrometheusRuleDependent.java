package io.trafficmonitor.operator.dependent;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.GenericKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.model.PrometheusObjects;

/**
 * A PrometheusRule built from {@code spec.alerts}; active only when its CRD exists, and present
 * only while {@code spec.alerts} sets a threshold (removed when they go).
 */
public class PrometheusRuleDependent extends GenericKubernetesDependentResource<TrafficMonitor>
    implements Creator<GenericKubernetesResource, TrafficMonitor>,
        Updater<GenericKubernetesResource, TrafficMonitor>,
        GarbageCollected<TrafficMonitor> {

  public PrometheusRuleDependent() {
    super(
        new GroupVersionKind(
            PrometheusObjects.GROUP, PrometheusObjects.VERSION, PrometheusObjects.PROMETHEUS_RULE));
  }

  @Override
  protected GenericKubernetesResource desired(
      TrafficMonitor primary, Context<TrafficMonitor> context) {
    return PrometheusObjects.prometheusRule(primary);
  }

  /** Activation condition: the PrometheusRule CRD is installed. */
  public static class CrdPresent extends CrdPresentCondition {
    public CrdPresent() {
      super(PrometheusObjects.PROMETHEUS_RULE_CRD);
    }
  }

  /** Reconcile precondition: the spec asks for at least one alert. */
  public static class AlertsRequested
      implements Condition<GenericKubernetesResource, TrafficMonitor> {
    @Override
    public boolean isMet(
        DependentResource<GenericKubernetesResource, TrafficMonitor> dependentResource,
        TrafficMonitor primary,
        Context<TrafficMonitor> context) {
      var alerts = primary.getSpec() == null ? null : primary.getSpec().getAlerts();
      return alerts != null
          && (alerts.getMaxBytesPerSecond() != null
              || alerts.getMaxPacketLossRatio() != null
              || alerts.getMaxRetransmitRatio() != null);
    }
  }
}
