package io.trafficmonitor.operator;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import io.trafficmonitor.operator.agents.AgentFleetSource;
import io.trafficmonitor.operator.dependent.PrometheusRuleDependent;
import io.trafficmonitor.operator.status.StatusAggregator;
import io.trafficmonitor.operator.status.StatusWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Reconciles a TrafficMonitor: the workflow below keeps its PrometheusRule as the builder describes
 * it, then the operator's part of the status is recomputed from the agents (the shared DaemonSet,
 * the nodes it runs on) and their entries. The agents themselves are no monitor's objects: {@link
 * io.trafficmonitor.operator.agents.AgentDaemonSetKeeper} keeps them whatever monitors exist.
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
      @Dependent(
          name = "prometheus-rule",
          type = PrometheusRuleDependent.class,
          activationCondition = PrometheusRuleDependent.CrdPresent.class,
          reconcilePrecondition = PrometheusRuleDependent.AlertsRequested.class)
    })
public class TrafficMonitorReconciler implements Reconciler<TrafficMonitor> {

  public static final String NAME = "trafficmonitor";
  private static final Logger LOG = Logger.getLogger(TrafficMonitorReconciler.class);

  private final Clock clock = Clock.systemUTC();
  private final AgentFleetSource agents;

  public TrafficMonitorReconciler(AgentFleetSource agents) {
    this.agents = agents;
  }

  @Override
  public List<EventSource<?, TrafficMonitor>> prepareEventSources(
      EventSourceContext<TrafficMonitor> ctx) {
    return agents.eventSources(ctx);
  }

  @Override
  public UpdateControl<TrafficMonitor> reconcile(TrafficMonitor tm, Context<TrafficMonitor> ctx) {
    TrafficMonitorStatus status = StatusAggregator.desired(tm, agents.fleet(), clock.instant());
    StatusWriter.writeIfChanged(ctx.getClient(), tm, status);
    return UpdateControl.<TrafficMonitor>noUpdate().rescheduleAfter(recheck(tm));
  }

  @Override
  public ErrorStatusUpdateControl<TrafficMonitor> updateErrorStatus(
      TrafficMonitor tm, Context<TrafficMonitor> ctx, Exception e) {
    String message = userMessage(e);
    try {
      StatusWriter.writeIfChanged(
          ctx.getClient(),
          tm,
          StatusAggregator.failed(tm, agents.fleet(), clock.instant(), message));
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
