package io.trafficmonitor.operator.dependent;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.AgentSettings;
import io.trafficmonitor.operator.model.AgentRbac;
import io.trafficmonitor.operator.model.Names;

/** Binds the agents' ServiceAccount to the agent ClusterRole in the monitor's namespace. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class AgentRoleBindingDependent
    extends CRUDKubernetesDependentResource<RoleBinding, TrafficMonitor> {

  public AgentRoleBindingDependent() {
    super(RoleBinding.class);
  }

  @Override
  protected RoleBinding desired(TrafficMonitor primary, Context<TrafficMonitor> context) {
    return AgentRbac.roleBinding(primary, AgentSettings.current());
  }
}
