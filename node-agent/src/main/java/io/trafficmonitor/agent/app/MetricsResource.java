package io.trafficmonitor.agent.app;

import io.trafficmonitor.access.MonitorAccess;
import io.trafficmonitor.agent.Agent;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.ServiceUnavailableException;

/**
 * The Prometheus scrape endpoint. Every monitor's series are in it (pods, peers, bytes of every
 * tenant), so only a bearer token whose user may get the non-resource URL {@code /metrics} is
 * served ({@link ApiAccess#checkMetricsReader}: 401 without a valid token, 403 naming what the user
 * lacks), as kube-rbac-proxy, the kubelet and the API server do. Then 503 until the first
 * collection (see {@link Agent#metricsReady()}): the token is checked first, so that a caller who
 * may not scrape learns nothing of the agent's state, and a scraper with a wrong token sees its
 * refusal at once instead of a 503 that would pass for a restart. The health probes ({@code
 * /q/health}) need no token.
 */
@Path(MonitorAccess.METRICS_PATH)
public class MetricsResource {
  @Inject AgentLifecycle lifecycle;

  @GET
  @Produces("text/plain; version=0.0.4; charset=utf-8")
  public String scrape(@HeaderParam("Authorization") String authorization) {
    lifecycle.access().checkMetricsReader(lifecycle.client(), authorization);
    Agent agent = lifecycle.agent();
    if (agent != null && !agent.metricsReady()) {
      throw new ServiceUnavailableException("the first collection has not run yet");
    }
    return lifecycle.registry().scrape();
  }
}
