package io.trafficmonitor.api.live;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.trafficmonitor.api.agent.IntervalReport;
import java.util.List;

/**
 * A monitor's records after a cursor, from every node whose agent serves it (the live API's answer
 * to a poll).
 *
 * @param namespace the TrafficMonitor's namespace; null for a ClusterTrafficMonitor
 * @param name the monitor's name
 * @param cursor where the next poll goes on from ({@link IntervalCursor})
 * @param items one report per node that answered
 * @param unreachable nodes whose agent did not answer, with why
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IntervalReportList(
    String apiVersion,
    String kind,
    String namespace,
    String name,
    String cursor,
    List<IntervalReport> items,
    List<String> unreachable) {

  public static final String KIND = "IntervalReportList";

  public IntervalReportList(
      String namespace,
      String name,
      String cursor,
      List<IntervalReport> items,
      List<String> unreachable) {
    this(LiveApi.GROUP + "/" + LiveApi.VERSION, KIND, namespace, name, cursor, items, unreachable);
  }
}
