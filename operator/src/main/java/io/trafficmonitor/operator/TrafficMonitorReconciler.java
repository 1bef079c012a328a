package io.trafficmonitor.operator;

import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.agents.AgentFleetSource;
import io.trafficmonitor.operator.agents.AgentPuller;
import io.trafficmonitor.operator.dependent.PrometheusRuleDependent;

/**
 * Reconciles a TrafficMonitor ({@link MonitorReconciler}); its PrometheusRule is beside it, in its
 * namespace.
 */
@ControllerConfiguration(
    name = TrafficMonitorReconciler.NAME,
    generationAwareEventProcessing = true)
@Workflow(
    dependents = {
      @Dependent(
          name = PrometheusRuleDependent.NAME,
          type = PrometheusRuleDependent.OfTrafficMonitor.class,
          activationCondition = PrometheusRuleDependent.CrdPresent.class,
          reconcilePrecondition = PrometheusRuleDependent.AlertsRequested.class)
    })
public class TrafficMonitorReconciler extends MonitorReconciler<TrafficMonitor> {

  public static final String NAME = "trafficmonitor";

  TrafficMonitorReconciler(
      AgentFleetSource<TrafficMonitor> agents, AgentPuller puller, ClusterNames names) {
    super(agents, puller, names);
  }
}
