package io.trafficmonitor.operator.dependent;

import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.model.Names;
import io.trafficmonitor.operator.model.PrometheusObjects;
import io.trafficmonitor.operator.model.ServiceMonitorResource;

/** A ServiceMonitor over the agents' metrics Service; active only when its CRD exists. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class ServiceMonitorDependent
    extends CRUDKubernetesDependentResource<ServiceMonitorResource, TrafficMonitor> {

  public ServiceMonitorDependent() {
    super(ServiceMonitorResource.class);
  }

  /** The object's name, without building all of it (also used when it must go away). */
  @Override
  protected ResourceID targetSecondaryResourceID(
      TrafficMonitor primary, Context<TrafficMonitor> context) {
    return new ResourceID(Names.agent(primary), primary.getMetadata().getNamespace());
  }

  @Override
  protected ServiceMonitorResource desired(
      TrafficMonitor primary, Context<TrafficMonitor> context) {
    return PrometheusObjects.serviceMonitor(primary);
  }

  /** Activation condition: the ServiceMonitor CRD is installed. */
  public static class CrdPresent extends CrdPresentCondition<ServiceMonitorResource> {
    public CrdPresent() {
      super(PrometheusObjects.SERVICE_MONITOR_CRD);
    }
  }
}
