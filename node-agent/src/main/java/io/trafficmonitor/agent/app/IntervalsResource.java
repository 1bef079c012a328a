package io.trafficmonitor.agent.app;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.agent.Agent;
import io.trafficmonitor.api.agent.IntervalReport;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.ServiceUnavailableException;

/**
 * A monitor's per-interval records on this node ({@link IntervalReport}), those after {@code
 * ?after=}: {@value IntervalReport#NAMESPACED_PATH} for a TrafficMonitor, {@value
 * IntervalReport#CLUSTER_PATH} for a ClusterTrafficMonitor. 404 when the agent does not serve the
 * monitor, 503 until it has started.
 */
@Path("/api/v1")
public class IntervalsResource {
  @Inject AgentLifecycle lifecycle;

  @GET
  @Path("namespaces/{namespace}/trafficmonitors/{name}/intervals")
  @Produces("application/json")
  public String namespaced(
      @PathParam("namespace") String namespace,
      @PathParam("name") String name,
      @QueryParam("after") @DefaultValue("0") long after) {
    return answer(namespace, name, after);
  }

  @GET
  @Path("clustertrafficmonitors/{name}/intervals")
  @Produces("application/json")
  public String cluster(
      @PathParam("name") String name, @QueryParam("after") @DefaultValue("0") long after) {
    return answer(null, name, after);
  }

  private String answer(String namespace, String name, long after) {
    Agent agent = lifecycle.agent();
    if (agent == null) {
      throw new ServiceUnavailableException("the agent has not started yet");
    }
    IntervalReport report = agent.intervals(namespace, name, after);
    if (report == null) {
      throw new NotFoundException(
          "this agent serves no "
              + (namespace == null
                  ? "ClusterTrafficMonitor " + name
                  : "TrafficMonitor " + namespace + "/" + name));
    }
    return Serialization.asJson(report);
  }
}
