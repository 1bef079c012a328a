package io.trafficmonitor.agent.app;

import io.trafficmonitor.agent.Agent;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.ServiceUnavailableException;

/**
 * The Prometheus scrape endpoint: 503 until the first collection (see {@link
 * Agent#metricsReady()}).
 */
@Path("/metrics")
public class MetricsResource {
  @Inject AgentLifecycle lifecycle;

  @GET
  @Produces("text/plain; version=0.0.4; charset=utf-8")
  public String scrape() {
    Agent agent = lifecycle.agent();
    if (agent != null && !agent.metricsReady()) {
      throw new ServiceUnavailableException("the first collection has not run yet");
    }
    return lifecycle.registry().scrape();
  }
}
