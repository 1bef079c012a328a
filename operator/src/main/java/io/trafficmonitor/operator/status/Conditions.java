package io.trafficmonitor.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Condition types and reasons of a TrafficMonitor, and how a condition moves. */
public final class Conditions {

  public static final String READY = "Ready";
  public static final String DEGRADED = "Degraded";

  /** Ready=True: every agent on a node the monitor covers runs the current template and reports. */
  public static final String AGENTS_REPORTING = "AgentsReporting";

  /** Ready=False: the DaemonSet controller has not scheduled the agents yet. */
  public static final String AGENTS_PENDING = "AgentsPending";

  /**
   * Ready=False: no node runs an agent, or none of those that do matches the monitor's nodeSelector
   * and tolerations.
   */
  public static final String NO_NODES_SELECTED = "NoNodesSelected";

  /** Ready=False: some agents still run an older pod template. */
  public static final String ROLLING_OUT = "RollingOut";

  /** Ready=False: fewer agents report than should run. */
  public static final String AGENTS_NOT_REPORTING = "AgentsNotReporting";

  /** Ready=False: an agent reports, but with an older spec than the monitor's generation. */
  public static final String SPEC_NOT_APPLIED = "SpecNotApplied";

  /** Ready=False: the operator could not apply the agent DaemonSet or the monitor's objects. */
  public static final String RECONCILE_FAILED = "ReconcileFailed";

  /** Degraded=True: an agent has not written its status entry for three status intervals. */
  public static final String AGENT_NOT_REPORTING = "AgentNotReporting";

  /** Degraded=True: an agent reports errors in its entry. */
  public static final String AGENT_ERRORS = "AgentErrors";

  /** Degraded=False. */
  public static final String AGENTS_HEALTHY = "AgentsHealthy";

  private Conditions() {}

  /**
   * The condition to write: {@code lastTransitionTime} is carried over from {@code previous} unless
   * the status really changes.
   */
  public static Condition next(
      List<Condition> previous,
      String type,
      boolean status,
      String reason,
      String message,
      Long generation,
      Instant now) {
    String value = status ? "True" : "False";
    String since = now.truncatedTo(ChronoUnit.SECONDS).toString();
    if (previous != null) {
      for (Condition c : previous) {
        if (type.equals(c.getType()) && value.equals(c.getStatus())) {
          since = c.getLastTransitionTime();
        }
      }
    }
    return new ConditionBuilder()
        .withType(type)
        .withStatus(value)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
