package io.trafficmonitor.operator.dependent;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.AgentSettings;
import io.trafficmonitor.operator.model.MetricsService;
import io.trafficmonitor.operator.model.Names;

/** The headless metrics Service over the agents. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class MetricsServiceDependent
    extends CRUDKubernetesDependentResource<Service, TrafficMonitor> {

  public MetricsServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(TrafficMonitor primary, Context<TrafficMonitor> context) {
    return MetricsService.desired(primary, AgentSettings.current());
  }
}
