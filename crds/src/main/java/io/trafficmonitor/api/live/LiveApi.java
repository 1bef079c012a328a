package io.trafficmonitor.api.live;

/**
 * The live API: a monitor's per-interval records from every node's agent, served by the operator
 * behind the Kubernetes API server (an aggregated API, APIService {@value #API_SERVICE}), so that a
 * caller reaches the agents with their own credentials and RBAC and no port of a node is opened to
 * them. The API server authorizes {@code get} on the subresource {@code intervals} of {@code
 * trafficmonitors} (or {@code clustertrafficmonitors}) in group {@value #GROUP}; the operator then
 * asks it whether the caller may {@code get} the monitor itself (group trafficmonitor.io): a tenant
 * reads only the monitors its RBAC lets it read.
 *
 * <p>Paths under {@link #BASE}:
 *
 * <ul>
 *   <li>{@code namespaces/{ns}/trafficmonitors/{name}/intervals?after=CURSOR}: an {@link
 *       IntervalReportList}, every node's records after the cursor;
 *   <li>{@code namespaces/{ns}/trafficmonitors/{name}/intervals/stream?after=CURSOR}: Server-Sent
 *       Events, each event's data one node's {@link io.trafficmonitor.api.agent.IntervalReport} of
 *       records not sent yet; the operator ends the response after {@link #STREAM_SECONDS} (the API
 *       server cuts requests that are not watches at 60 s) and a client goes on from its {@link
 *       IntervalCursor} without losing a record;
 *   <li>{@code namespaces/{ns}/trafficmonitors/{name}/realtime} and {@code .../summary}: every
 *       node's {@link io.trafficmonitor.api.agent.RealtimeReport} (rates over the last second of
 *       records, top flows) or {@link io.trafficmonitor.api.agent.SummaryReport} (totals since the
 *       counters began), as {@code RealtimeReportList} and {@code SummaryReportList} ({@code
 *       items}, {@code unreachable}); the API server authorizes {@code get} on those subresources;
 *   <li>the same under {@code clustertrafficmonitors/{name}/...} for a ClusterTrafficMonitor.
 * </ul>
 *
 * Refusals are Kubernetes {@code Status} objects, with a message that says who lacks what.
 */
public final class LiveApi {
  public static final String GROUP = "live.trafficmonitor.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_SERVICE = VERSION + "." + GROUP;
  public static final String BASE = "/apis/" + GROUP + "/" + VERSION;
  public static final String SUBRESOURCE = "intervals";

  /** A monitor's current rates on every node: a {@code RealtimeReportList}. */
  public static final String REALTIME = "realtime";

  /** A monitor's totals on every node since its counters began: a {@code SummaryReportList}. */
  public static final String SUMMARY = "summary";

  /** How long the operator keeps one stream response open. */
  public static final int STREAM_SECONDS = 45;

  private LiveApi() {}

  /** The path of a monitor's records ({@code namespace} null: a ClusterTrafficMonitor). */
  public static String intervalsPath(String namespace, String name) {
    return BASE
        + (namespace == null
            ? "/clustertrafficmonitors/" + name
            : "/namespaces/" + namespace + "/trafficmonitors/" + name)
        + "/"
        + SUBRESOURCE;
  }

  /** The path of a monitor's snapshot {@link #REALTIME} or {@link #SUMMARY}. */
  public static String snapshotPath(String namespace, String name, String snapshot) {
    return intervalsPath(namespace, name).replaceFirst("/" + SUBRESOURCE + "$", "/" + snapshot);
  }

  /** The path of a monitor's stream of records. */
  public static String streamPath(String namespace, String name) {
    return intervalsPath(namespace, name) + "/stream";
  }
}
