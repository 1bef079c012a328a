package io.trafficmonitor.agent.app;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.smallrye.mutiny.Multi;
import io.trafficmonitor.api.agent.IntervalReport;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.resteasy.reactive.RestStreamElementType;

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
  @Answers(
      value = IntervalReport.class,
      summary = "A TrafficMonitor's interval records on this node after the one numbered ?after=.")
  public String namespaced(
      @HeaderParam("Authorization") String authorization,
      @PathParam("namespace") String namespace,
      @PathParam("name") String name,
      @QueryParam("after") @DefaultValue("0") long after) {
    lifecycle.access().check(lifecycle.client(), authorization, namespace, name);
    return answer(namespace, name, after);
  }

  @GET
  @Path("clustertrafficmonitors/{name}/intervals")
  @Produces("application/json")
  @Answers(
      value = IntervalReport.class,
      summary =
          "A ClusterTrafficMonitor's interval records on this node after the one numbered ?after=.")
  public String cluster(
      @HeaderParam("Authorization") String authorization,
      @PathParam("name") String name,
      @QueryParam("after") @DefaultValue("0") long after) {
    lifecycle.access().check(lifecycle.client(), authorization, null, name);
    return answer(null, name, after);
  }

  /**
   * The records as they are closed, a Server-Sent Event per interval of the monitor (the records
   * after {@code ?after=}, then each new one), each an {@link IntervalReport} of the records not
   * sent yet; {@code missed} says when the stream fell more than 1,024 records behind.
   */
  @GET
  @Path("namespaces/{namespace}/trafficmonitors/{name}/intervals/stream")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @RestStreamElementType(MediaType.APPLICATION_JSON)
  @Answers(
      value = IntervalReport.class,
      summary =
          "A TrafficMonitor's interval records as Server-Sent Events: one event per interval with"
              + " the records not sent yet, each event's data an IntervalReport.")
  public Multi<String> namespacedStream(
      @HeaderParam("Authorization") String authorization,
      @PathParam("namespace") String namespace,
      @PathParam("name") String name,
      @QueryParam("after") @DefaultValue("0") long after) {
    lifecycle.access().check(lifecycle.client(), authorization, namespace, name);
    return stream(namespace, name, after);
  }

  @GET
  @Path("clustertrafficmonitors/{name}/intervals/stream")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @RestStreamElementType(MediaType.APPLICATION_JSON)
  @Answers(
      value = IntervalReport.class,
      summary = "A ClusterTrafficMonitor's interval records as Server-Sent Events.")
  public Multi<String> clusterStream(
      @HeaderParam("Authorization") String authorization,
      @PathParam("name") String name,
      @QueryParam("after") @DefaultValue("0") long after) {
    lifecycle.access().check(lifecycle.client(), authorization, null, name);
    return stream(null, name, after);
  }

  /** Asks for the records after the last sent once per interval of the monitor. */
  private Multi<String> stream(String namespace, String name, long after) {
    IntervalReport first = report(namespace, name, after);
    AtomicLong last = new AtomicLong(after);
    return Multi.createFrom()
        .ticks()
        .every(Duration.ofNanos(Math.max(first.intervalNanos(), MIN_TICK_NANOS)))
        .map(
            t ->
                lifecycle.agent() == null
                    ? null
                    : lifecycle.agent().intervals(namespace, name, last.get()))
        .select()
        .where(r -> r != null && !r.records().isEmpty())
        .map(
            r -> {
              last.set(r.last());
              return Serialization.asJson(r);
            }); // until the client goes: the subscription is cancelled
  }

  /** The stream's polls are at most this frequent: the shortest spec.interval. */
  private static final long MIN_TICK_NANOS = 10_000_000L;

  private IntervalReport report(String namespace, String name, long after) {
    return Served.monitor(lifecycle, namespace, name, a -> a.intervals(namespace, name, after));
  }

  private String answer(String namespace, String name, long after) {
    return Serialization.asJson(report(namespace, name, after));
  }
}
