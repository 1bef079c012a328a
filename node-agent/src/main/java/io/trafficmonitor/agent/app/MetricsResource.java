package io.trafficmonitor.agent.app;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/** The Prometheus scrape endpoint. */
@Path("/metrics")
public class MetricsResource {
  @Inject AgentLifecycle lifecycle;

  @GET
  @Produces("text/plain; version=0.0.4; charset=utf-8")
  public String scrape() {
    return lifecycle.registry().scrape();
  }
}
