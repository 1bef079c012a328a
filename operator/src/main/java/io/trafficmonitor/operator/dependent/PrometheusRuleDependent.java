package io.trafficmonitor.operator.dependent;

import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.model.Names;
import io.trafficmonitor.operator.model.PrometheusObjects;
import io.trafficmonitor.operator.model.PrometheusRuleResource;

/**
 * A PrometheusRule built from {@code spec.alerts}; active only when its CRD exists, and present
 * only while {@code spec.alerts} sets a threshold (removed when they go).
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class PrometheusRuleDependent
    extends CRUDKubernetesDependentResource<PrometheusRuleResource, TrafficMonitor> {

  public PrometheusRuleDependent() {
    super(PrometheusRuleResource.class);
  }

  /** The object's name, without building all of it (also used when it must go away). */
  @Override
  protected ResourceID targetSecondaryResourceID(
      TrafficMonitor primary, Context<TrafficMonitor> context) {
    return new ResourceID(Names.rule(primary), primary.getMetadata().getNamespace());
  }

  @Override
  protected PrometheusRuleResource desired(
      TrafficMonitor primary, Context<TrafficMonitor> context) {
    return PrometheusObjects.prometheusRule(primary);
  }

  /** Activation condition: the PrometheusRule CRD is installed. */
  public static class CrdPresent extends CrdPresentCondition<PrometheusRuleResource> {
    public CrdPresent() {
      super(PrometheusObjects.PROMETHEUS_RULE_CRD);
    }
  }

  /** Reconcile precondition: the spec asks for at least one alert. */
  public static class AlertsRequested implements Condition<PrometheusRuleResource, TrafficMonitor> {
    @Override
    public boolean isMet(
        DependentResource<PrometheusRuleResource, TrafficMonitor> dependentResource,
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
