package io.trafficmonitor.agent.app;

import io.trafficmonitor.agent.Agent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** /q/health/live: collections keep running; /q/health/ready: spec read, targets attached. */
public final class AgentHealth {
  private AgentHealth() {}

  @Liveness
  @ApplicationScoped
  public static class Live implements HealthCheck {
    @Inject AgentLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
      Agent a = lifecycle.agent();
      return HealthCheckResponse.named("collecting").status(a == null || a.isLive()).build();
    }
  }

  @Readiness
  @ApplicationScoped
  public static class Ready implements HealthCheck {
    @Inject AgentLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
      Agent a = lifecycle.agent();
      return HealthCheckResponse.named("attached")
          .status(a != null && a.isReady())
          .withData("errors", a == null ? 0 : a.errors().size())
          .build();
    }
  }
}
