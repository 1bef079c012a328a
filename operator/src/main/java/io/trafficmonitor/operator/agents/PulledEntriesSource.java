package io.trafficmonitor.operator.agents;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.trafficmonitor.api.agent.AgentReport;
import java.util.Set;

/**
 * Reconciles a monitor when {@link AgentPuller} has pulled its figures and its statusInterval has
 * passed: the event that writes each monitor's status. One per controller (JOSDK's event sources
 * trigger their own controller only).
 *
 * @param <P> the monitors' kind
 */
public final class PulledEntriesSource<P extends HasMetadata>
    extends AbstractEventSource<AgentReport, P> {

  public PulledEntriesSource() {
    super(AgentReport.class, "agent-entries");
  }

  /** Reconciles the monitor {@code id}; nothing before the controller starts. */
  public void pulled(ResourceID id) {
    if (isRunning() && getEventHandler() != null) {
      getEventHandler().handleEvent(new Event(id));
    }
  }

  /** The entries are read from the puller, not through JOSDK's secondary resources. */
  @Override
  public Set<AgentReport> getSecondaryResources(P primary) {
    return Set.of();
  }
}
