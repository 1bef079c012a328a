package io.trafficmonitor.operator;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Live and ready while the operator runs and all its informers (the agent DaemonSet's too) are
 * connected.
 */
@Liveness
@Readiness
@ApplicationScoped
public class OperatorHealth implements HealthCheck {

  private final OperatorLifecycle lifecycle;

  public OperatorHealth(OperatorLifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  @Override
  public HealthCheckResponse call() {
    TrafficMonitorOperator operator = lifecycle.operator();
    boolean started = operator != null && operator.started();
    boolean informers = started && operator.informersHealthy();
    return HealthCheckResponse.named("trafficmonitor-operator")
        .status(started && informers)
        .withData("started", started)
        .withData("informersHealthy", informers)
        .build();
  }
}
