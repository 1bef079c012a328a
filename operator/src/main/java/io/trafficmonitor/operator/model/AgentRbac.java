package io.trafficmonitor.operator.model;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.AgentSettings;

/**
 * The agents' identity: a ServiceAccount per monitor, bound in the monitor's namespace to the
 * ClusterRole that the chart installs (read the TrafficMonitor and pods, patch the status).
 */
public final class AgentRbac {

  private AgentRbac() {}

  public static ServiceAccount serviceAccount(TrafficMonitor tm) {
    return new ServiceAccountBuilder()
        .withNewMetadata()
        .withName(Names.agent(tm))
        .withNamespace(tm.getMetadata().getNamespace())
        .withLabels(Names.labels(tm))
        .endMetadata()
        .build();
  }

  public static RoleBinding roleBinding(TrafficMonitor tm, AgentSettings settings) {
    return new RoleBindingBuilder()
        .withNewMetadata()
        .withName(Names.agent(tm))
        .withNamespace(tm.getMetadata().getNamespace())
        .withLabels(Names.labels(tm))
        .endMetadata()
        .withNewRoleRef()
        .withApiGroup("rbac.authorization.k8s.io")
        .withKind("ClusterRole")
        .withName(settings.clusterRole())
        .endRoleRef()
        .addNewSubject()
        .withKind("ServiceAccount")
        .withName(Names.agent(tm))
        .withNamespace(tm.getMetadata().getNamespace())
        .endSubject()
        .build();
  }
}
