package io.trafficmonitor.operator.dependent;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.model.AgentRbac;
import io.trafficmonitor.operator.model.Names;

/** The agents' ServiceAccount. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class AgentServiceAccountDependent
    extends CRUDKubernetesDependentResource<ServiceAccount, TrafficMonitor> {

  public AgentServiceAccountDependent() {
    super(ServiceAccount.class);
  }

  @Override
  protected ServiceAccount desired(TrafficMonitor primary, Context<TrafficMonitor> context) {
    return AgentRbac.serviceAccount(primary);
  }
}
