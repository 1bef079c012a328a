package io.trafficmonitor.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import io.trafficmonitor.operator.agents.AgentFleetSource;
import io.trafficmonitor.operator.agents.AgentPuller;
import io.trafficmonitor.operator.agents.PulledEntriesSource;
import io.trafficmonitor.operator.status.MonitorEvents;
import io.trafficmonitor.operator.status.PeerNames;
import io.trafficmonitor.operator.status.StatusAggregator;
import io.trafficmonitor.operator.status.StatusWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Reconciles a monitor of either kind (TrafficMonitor, ClusterTrafficMonitor: same spec, same
 * status). The subclass's workflow keeps its PrometheusRule as the builder describes it, then the
 * operator's part of the status is recomputed from the agents (the shared DaemonSet, the nodes it
 * runs on) and their entries. The agents themselves are no monitor's objects: {@link
 * io.trafficmonitor.operator.agents.AgentDaemonSetKeeper} keeps them whatever monitors exist.
 *
 * <p>The agents do not write the status: {@link AgentPuller} pulls their entries and, after the
 * round in which a monitor's statusInterval has passed, reconciles it ({@link
 * PulledEntriesSource}); the reconcile writes its status once from them (skipped when it would
 * change nothing). Events are filtered by generation: the operator's own status writes trigger
 * nothing.
 *
 * @param <P> the monitors' kind
 */
public abstract class MonitorReconciler<
        P extends CustomResource<TrafficMonitorSpec, TrafficMonitorStatus>>
    implements Reconciler<P> {
  private static final Logger LOG = Logger.getLogger(MonitorReconciler.class);

  private final Clock clock = Clock.systemUTC();
  private final AgentFleetSource<P> agents;
  private final AgentPuller puller;
  private final PulledEntriesSource<P> pulledEntries = new PulledEntriesSource<>();
  private final ClusterNames names;

  protected MonitorReconciler(AgentFleetSource<P> agents, AgentPuller puller, ClusterNames names) {
    this.agents = agents;
    this.puller = puller;
    this.names = names;
  }

  /** The agents' latest entries for {@code monitor}, pulled at least every statusInterval. */
  private List<NodeStatus> pulled(P monitor) {
    String uid = monitor.getMetadata().getUid();
    ResourceID id = ResourceID.fromResource(monitor);
    puller.want(uid, StatusAggregator.statusInterval(monitor), () -> pulledEntries.pulled(id));
    return uid == null ? List.of() : puller.entries(uid);
  }

  @Override
  public List<EventSource<?, P>> prepareEventSources(EventSourceContext<P> ctx) {
    List<EventSource<?, P>> sources = new ArrayList<>(agents.eventSources(ctx));
    sources.add(pulledEntries);
    return sources;
  }

  @Override
  public UpdateControl<P> reconcile(P monitor, Context<P> ctx) {
    TrafficMonitorStatus status =
        StatusAggregator.desired(monitor, agents.fleet(), pulled(monitor), clock.instant());
    PeerNames.name(status, monitor.getMetadata().getNamespace(), names.resolver());
    if (StatusWriter.writeIfChanged(ctx.getClient(), monitor, status)) {
      MonitorEvents.degraded(
              monitor.getStatus() == null ? null : monitor.getStatus().getConditions(),
              status.getConditions())
          .ifPresent(w -> MonitorEvents.post(ctx.getClient(), monitor, w));
    }
    // The puller reconciles the monitor once per statusInterval, after pulling; this is in case
    // no round ends (no leader's puller yet, say).
    return UpdateControl.<P>noUpdate()
        .rescheduleAfter(StatusAggregator.statusInterval(monitor).multipliedBy(2));
  }

  @Override
  public ErrorStatusUpdateControl<P> updateErrorStatus(P monitor, Context<P> ctx, Exception e) {
    String message = userMessage(e);
    try {
      TrafficMonitorStatus status =
          StatusAggregator.failed(
              monitor, agents.fleet(), pulled(monitor), clock.instant(), message);
      PeerNames.name(status, monitor.getMetadata().getNamespace(), names.resolver());
      StatusWriter.writeIfChanged(ctx.getClient(), monitor, status);
    } catch (KubernetesClientException writeFailed) {
      if (writeFailed.getCode() == 404) {
        return ErrorStatusUpdateControl.noStatusUpdate(); // deleted meanwhile: nothing to report
      }
      LOG.warnf(
          "cannot record the failure of %s %s in its status: %s",
          monitor.getKind(), qualified(monitor), writeFailed.getMessage());
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  private static String qualified(HasMetadata monitor) {
    String ns = monitor.getMetadata().getNamespace();
    return ns == null
        ? monitor.getMetadata().getName()
        : ns + "/" + monitor.getMetadata().getName();
  }

  /** What the API server said, without the stack of wrappers around it. */
  static String userMessage(Throwable e) {
    if (e instanceof AggregatedOperatorException aggregated
        && !aggregated.getAggregatedExceptions().isEmpty()) {
      return aggregated.getAggregatedExceptions().values().stream()
          .map(MonitorReconciler::userMessage)
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
