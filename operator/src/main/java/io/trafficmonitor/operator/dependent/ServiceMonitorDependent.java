package io.trafficmonitor.operator.dependent;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.GenericKubernetesDependentResource;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.model.PrometheusObjects;

/** A ServiceMonitor over the agents' metrics Service; active only when its CRD exists. */
public class ServiceMonitorDependent extends GenericKubernetesDependentResource<TrafficMonitor>
    implements Creator<GenericKubernetesResource, TrafficMonitor>,
        Updater<GenericKubernetesResource, TrafficMonitor>,
        GarbageCollected<TrafficMonitor> {

  public ServiceMonitorDependent() {
    super(
        new GroupVersionKind(
            PrometheusObjects.GROUP, PrometheusObjects.VERSION, PrometheusObjects.SERVICE_MONITOR));
  }

  @Override
  protected GenericKubernetesResource desired(
      TrafficMonitor primary, Context<TrafficMonitor> context) {
    return PrometheusObjects.serviceMonitor(primary);
  }

  /** Activation condition: the ServiceMonitor CRD is installed. */
  public static class CrdPresent extends CrdPresentCondition {
    public CrdPresent() {
      super(PrometheusObjects.SERVICE_MONITOR_CRD);
    }
  }
}
