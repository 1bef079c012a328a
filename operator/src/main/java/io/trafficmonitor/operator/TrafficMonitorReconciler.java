package io.trafficmonitor.operator;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import io.trafficmonitor.operator.dependent.AgentDaemonSetDependent;
import io.trafficmonitor.operator.dependent.AgentRoleBindingDependent;
import io.trafficmonitor.operator.dependent.AgentServiceAccountDependent;
import io.trafficmonitor.operator.dependent.MetricsServiceDependent;
import io.trafficmonitor.operator.dependent.PrometheusRuleDependent;
import io.trafficmonitor.operator.dependent.ServiceMonitorDependent;
import io.trafficmonitor.operator.status.StatusAggregator;
import io.trafficmonitor.operator.status.StatusWriter;
import java.time.Clock;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Reconciles a TrafficMonitor: the workflow below keeps the agents' objects as their builders
 * describe them, then the operator's part of the status is recomputed from the DaemonSet and the
 * agents' entries.
 *
 * <p>Events are not filtered by generation: an agent writing its {@code status.nodes} entry must
 * trigger a new summary. The status write that follows is skipped when it would change nothing,
 * which ends the loop.
 */
@ControllerConfiguration(
    name = TrafficMonitorReconciler.NAME,
    generationAwareEventProcessing = false)
@Workflow(
    dependents = {
      @Dependent(name = "service-account", type = AgentServiceAccountDependent.class),
      @Dependent(
          name = "role-binding",
          type = AgentRoleBindingDependent.class,
          dependsOn = "service-account"),
      @Dependent(
          name = "daemonset",
          type = AgentDaemonSetDependent.class,
          dependsOn = "service-account"),
      @Dependent(name = "metrics-service", type = MetricsServiceDependent.class),
      @Dependent(
          name = "service-monitor",
          type = ServiceMonitorDependent.class,
          activationCondition = ServiceMonitorDependent.CrdPresent.class,
          dependsOn = "metrics-service"),
      @Dependent(
          name = "prometheus-rule",
          type = PrometheusRuleDependent.class,
          activationCondition = PrometheusRuleDependent.CrdPresent.class,
          reconcilePrecondition = PrometheusRuleDependent.AlertsRequested.class)
    })
public class TrafficMonitorReconciler implements Reconciler<TrafficMonitor> {

  public static final String NAME = "trafficmonitor";
  private static final Logger LOG = Logger.getLogger(TrafficMonitorReconciler.class);

  private final Clock clock;

  public TrafficMonitorReconciler() {
    this(Clock.systemUTC());
  }

  public TrafficMonitorReconciler(Clock clock) {
    this.clock = clock;
  }

  @Override
  public UpdateControl<TrafficMonitor> reconcile(TrafficMonitor tm, Context<TrafficMonitor> ctx) {
    DaemonSet ds = ctx.getSecondaryResource(DaemonSet.class).orElse(null);
    TrafficMonitorStatus status = StatusAggregator.desired(tm, ds, clock.instant());
    StatusWriter.writeIfChanged(ctx.getClient(), tm, status);
    return UpdateControl.<TrafficMonitor>noUpdate().rescheduleAfter(recheck(tm));
  }

  @Override
  public ErrorStatusUpdateControl<TrafficMonitor> updateErrorStatus(
      TrafficMonitor tm, Context<TrafficMonitor> ctx, Exception e) {
    String message = userMessage(e);
    DaemonSet ds = ctx.getSecondaryResource(DaemonSet.class).orElse(null);
    try {
      StatusWriter.writeIfChanged(
          ctx.getClient(), tm, StatusAggregator.failed(tm, ds, clock.instant(), message));
    } catch (KubernetesClientException writeFailed) {
      if (writeFailed.getCode() == 404) {
        return ErrorStatusUpdateControl.noStatusUpdate(); // deleted meanwhile: nothing to report
      }
      LOG.warnf(
          "cannot record the failure of %s/%s in its status: %s",
          tm.getMetadata().getNamespace(), tm.getMetadata().getName(), writeFailed.getMessage());
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /** Agents late by three intervals must show up even when nothing else happens. */
  private static Duration recheck(TrafficMonitor tm) {
    return StatusAggregator.statusInterval(tm);
  }

  /** What the API server said, without the stack of wrappers around it. */
  static String userMessage(Throwable e) {
    if (e instanceof AggregatedOperatorException aggregated
        && !aggregated.getAggregatedExceptions().isEmpty()) {
      return aggregated.getAggregatedExceptions().values().stream()
          .map(TrafficMonitorReconciler::userMessage)
          .reduce((a, b) -> a + "; " + b)
          .orElse(e.toString());
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k
          && k.getStatus() != null
          && k.getStatus().getMessage() != null) {
        return k.getStatus().getMessage();
      }
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
