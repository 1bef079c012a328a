package io.trafficmonitor.operator;

import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.operator.agents.AgentFleetSource;
import io.trafficmonitor.operator.agents.AgentPuller;
import io.trafficmonitor.operator.dependent.PrometheusRuleDependent;
import java.util.function.Consumer;

/**
 * Reconciles a ClusterTrafficMonitor as a TrafficMonitor ({@link MonitorReconciler}). It has no
 * namespace, so its PrometheusRule goes into the operator's ({@link #rulesIn}), owned by it all the
 * same: a namespaced object may belong to a cluster-scoped one.
 */
@ControllerConfiguration(
    name = ClusterTrafficMonitorReconciler.NAME,
    generationAwareEventProcessing = true)
@Workflow(
    dependents = {
      @Dependent(
          name = PrometheusRuleDependent.NAME,
          type = PrometheusRuleDependent.OfClusterTrafficMonitor.class,
          activationCondition = PrometheusRuleDependent.CrdPresent.class,
          reconcilePrecondition = PrometheusRuleDependent.AlertsRequested.class)
    })
public class ClusterTrafficMonitorReconciler extends MonitorReconciler<ClusterTrafficMonitor> {

  public static final String NAME = "clustertrafficmonitor";

  ClusterTrafficMonitorReconciler(
      AgentFleetSource<ClusterTrafficMonitor> agents, AgentPuller puller, ClusterNames names) {
    super(agents, puller, names);
  }

  /** The controller's configuration: PrometheusRules in the operator's {@code namespace}. */
  public static Consumer<ControllerConfigurationOverrider<ClusterTrafficMonitor>> rulesIn(
      String namespace) {
    return c ->
        c.replacingNamedDependentResourceConfig(
            PrometheusRuleDependent.NAME,
            PrometheusRuleDependent.OfClusterTrafficMonitor.inNamespace(namespace));
  }
}
