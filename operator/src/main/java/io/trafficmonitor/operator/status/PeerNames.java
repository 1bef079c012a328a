package io.trafficmonitor.operator.status;

import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.Peer;
import io.trafficmonitor.api.v1alpha1.Summary;
import io.trafficmonitor.api.v1alpha1.Talker;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import io.trafficmonitor.names.PeerDirectory;
import java.util.function.Function;

/**
 * Names the addresses of a status's top talkers and top flows (pod and workload, Service, node,
 * world) as the monitor may see them: a TrafficMonitor names nothing outside its namespace ({@link
 * PeerDirectory#visibleFrom}). The agents report addresses; the operator, which watches the
 * cluster's pods, Services and nodes, names them, a few dozen per status write.
 */
public final class PeerNames {
  private PeerNames() {}

  /**
   * Sets the peers of {@code status}'s summary, resolving each address with {@code resolve} (null
   * when names are not known yet: then none is set) for a monitor in {@code monitorNamespace} (null
   * for a ClusterTrafficMonitor).
   */
  public static void name(
      TrafficMonitorStatus status, String monitorNamespace, Function<String, Peer> resolve) {
    Summary s = status.getSummary();
    if (s == null || resolve == null) {
      return;
    }
    Function<String, Peer> visible =
        a -> a == null ? null : PeerDirectory.visibleFrom(resolve.apply(a), monitorNamespace);
    if (s.getTopTalkers() != null) {
      for (Talker t : s.getTopTalkers()) {
        t.setPeer(visible.apply(t.getAddress()));
      }
    }
    if (s.getTopFlows() != null) {
      for (Flow f : s.getTopFlows()) {
        f.setSourcePeer(visible.apply(f.getSource()));
        f.setDestinationPeer(visible.apply(f.getDestination()));
      }
    }
  }
}
