package io.trafficmonitor.operator.dependent;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.AgentSettings;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import io.trafficmonitor.operator.model.Names;

/** The agent DaemonSet {@code trafficmonitor-agent-<name>}. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class AgentDaemonSetDependent
    extends CRUDKubernetesDependentResource<DaemonSet, TrafficMonitor> {

  public AgentDaemonSetDependent() {
    super(DaemonSet.class);
  }

  @Override
  protected DaemonSet desired(TrafficMonitor primary, Context<TrafficMonitor> context) {
    return AgentDaemonSet.desired(primary, AgentSettings.current());
  }
}
