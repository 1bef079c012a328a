package io.trafficmonitor.plugin.top;

import io.fabric8.kubernetes.client.CustomResource;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.Summary;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;

/**
 * What {@code top} shows of the monitor's status: the operator's summary (top flows, loss,
 * retransmits, drops), how often the agents write it (spec.statusInterval) and when the newest node
 * entry was written, so that the view can say how old these figures are: they move every status
 * interval, while the records move every interval.
 *
 * @param interval spec.interval as written ("10ms"), null when the spec has none (the default)
 * @param statusInterval spec.statusInterval as written, null when the default
 * @param summary status.summary, null before the operator wrote one
 * @param written the newest status.nodes[].lastUpdate, null when none
 */
public record StatusSnapshot(
    String interval, String statusInterval, Summary summary, Instant written) {

  /** The snapshot of a TrafficMonitor or ClusterTrafficMonitor as read. */
  public static StatusSnapshot of(CustomResource<TrafficMonitorSpec, TrafficMonitorStatus> m) {
    TrafficMonitorSpec spec = m.getSpec();
    TrafficMonitorStatus status = m.getStatus();
    Instant written = null;
    if (status != null && status.getNodes() != null) {
      written =
          status.getNodes().stream()
              .map(NodeStatus::getLastUpdate)
              .filter(Objects::nonNull)
              .map(StatusSnapshot::instant)
              .filter(Objects::nonNull)
              .max(Instant::compareTo)
              .orElse(null);
    }
    return new StatusSnapshot(
        spec == null ? null : spec.getInterval(),
        spec == null ? null : spec.getStatusInterval(),
        status == null ? null : status.getSummary(),
        written);
  }

  private static Instant instant(String rfc3339) {
    try {
      return OffsetDateTime.parse(rfc3339).toInstant();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
