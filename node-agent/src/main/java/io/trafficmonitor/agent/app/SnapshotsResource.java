package io.trafficmonitor.agent.app;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.agent.Agent;
import io.trafficmonitor.api.agent.RealtimeReport;
import io.trafficmonitor.api.agent.SummaryReport;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import java.util.function.Function;

/**
 * Two snapshots of a monitor on this node, beside its interval records ({@link IntervalsResource}),
 * with the same checks and answers: its current rates ({@link RealtimeReport}: {@value
 * RealtimeReport#NAMESPACED_PATH}, {@value RealtimeReport#CLUSTER_PATH}) and its totals ({@link
 * SummaryReport}: {@value SummaryReport#NAMESPACED_PATH}, {@value SummaryReport#CLUSTER_PATH}). 404
 * when the agent does not serve the monitor, 503 until it has started.
 */
@Path("/api/v1")
public class SnapshotsResource {
  @Inject AgentLifecycle lifecycle;

  @GET
  @Path("namespaces/{namespace}/trafficmonitors/{name}/realtime")
  @Produces("application/json")
  @Answers(
      value = RealtimeReport.class,
      summary =
          "A TrafficMonitor's current rates on this node, per pod and interface over its records"
              + " of the last second, and its top flows as its last status entry has them.")
  public String namespacedRealtime(
      @HeaderParam("Authorization") String authorization,
      @PathParam("namespace") String namespace,
      @PathParam("name") String name) {
    lifecycle.access().check(lifecycle.client(), authorization, namespace, name);
    return answer(namespace, name, a -> a.realtime(namespace, name));
  }

  @GET
  @Path("clustertrafficmonitors/{name}/realtime")
  @Produces("application/json")
  @Answers(value = RealtimeReport.class, summary = "A ClusterTrafficMonitor's current rates.")
  public String clusterRealtime(
      @HeaderParam("Authorization") String authorization, @PathParam("name") String name) {
    lifecycle.access().check(lifecycle.client(), authorization, null, name);
    return answer(null, name, a -> a.realtime(null, name));
  }

  @GET
  @Path("namespaces/{namespace}/trafficmonitors/{name}/summary")
  @Produces("application/json")
  @Answers(
      value = SummaryReport.class,
      summary =
          "A TrafficMonitor's totals on this node since its counters began, in all and per pod"
              + " and interface.")
  public String namespacedSummary(
      @HeaderParam("Authorization") String authorization,
      @PathParam("namespace") String namespace,
      @PathParam("name") String name) {
    lifecycle.access().check(lifecycle.client(), authorization, namespace, name);
    return answer(namespace, name, a -> a.summary(namespace, name));
  }

  @GET
  @Path("clustertrafficmonitors/{name}/summary")
  @Produces("application/json")
  @Answers(value = SummaryReport.class, summary = "A ClusterTrafficMonitor's totals.")
  public String clusterSummary(
      @HeaderParam("Authorization") String authorization, @PathParam("name") String name) {
    lifecycle.access().check(lifecycle.client(), authorization, null, name);
    return answer(null, name, a -> a.summary(null, name));
  }

  /** What {@code snapshot} makes of the agent, as JSON; 503 before it starts, 404 if not served. */
  private String answer(String namespace, String name, Function<Agent, Object> snapshot) {
    return Serialization.asJson(Served.monitor(lifecycle, namespace, name, snapshot));
  }
}
