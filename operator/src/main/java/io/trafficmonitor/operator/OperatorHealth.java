package io.trafficmonitor.operator;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * The operator's health checks. Liveness asks nothing of the API server: while the API server is
 * unreachable every replica's watches are down, and a liveness that followed them would have the
 * kubelet restart every replica at once, to no avail. Readiness follows the watches.
 */
public final class OperatorHealth {

  private OperatorHealth() {}

  /** Live once the operator has started (its informers synced once), whatever happens after. */
  @Liveness
  @ApplicationScoped
  public static class Live implements HealthCheck {
    private final OperatorLifecycle lifecycle;

    public Live(OperatorLifecycle lifecycle) {
      this.lifecycle = lifecycle;
    }

    @Override
    public HealthCheckResponse call() {
      TrafficMonitorOperator operator = lifecycle.operator();
      boolean started = operator != null && operator.started();
      return HealthCheckResponse.named("trafficmonitor-operator-live")
          .status(started)
          .withData("started", started)
          .build();
    }
  }

  /**
   * Ready while every informer is connected (and, on the leader, the agent DaemonSet is watched);
   * says which replica leads.
   */
  @Readiness
  @ApplicationScoped
  public static class Ready implements HealthCheck {
    private final OperatorLifecycle lifecycle;

    public Ready(OperatorLifecycle lifecycle) {
      this.lifecycle = lifecycle;
    }

    @Override
    public HealthCheckResponse call() {
      TrafficMonitorOperator operator = lifecycle.operator();
      boolean started = operator != null && operator.started();
      boolean informers = started && operator.informersHealthy();
      return HealthCheckResponse.named("trafficmonitor-operator-ready")
          .status(informers)
          .withData("started", started)
          .withData("informersHealthy", informers)
          .withData("leader", started && operator.leading())
          .withData("identity", operator == null ? "" : operator.identity())
          .withData("leaderIdentity", operator == null ? "" : operator.leader())
          .build();
    }
  }
}
