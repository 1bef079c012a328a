package io.trafficmonitor.plugin.top;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.plugin.Monitor;

/**
 * Reads the monitor itself ({@code kubectl get}) for its spec and status, as the caller. A failure
 * is not fatal to {@code top}, whose records come from the live API: it becomes a line of the view.
 */
final class MonitorReader {
  /** The snapshot, or why there is none. */
  record Result(StatusSnapshot snapshot, String problem) {}

  private final KubernetesClient client;
  private final Monitor monitor;

  MonitorReader(KubernetesClient client, Monitor monitor) {
    this.client = client;
    this.monitor = monitor;
  }

  Result read() {
    try {
      var m =
          monitor.cluster()
              ? client.resources(ClusterTrafficMonitor.class).withName(monitor.name()).get()
              : client
                  .resources(TrafficMonitor.class)
                  .inNamespace(monitor.namespace())
                  .withName(monitor.name())
                  .get();
      return m == null
          ? new Result(null, monitor + " does not exist")
          : new Result(StatusSnapshot.of(m), null);
    } catch (KubernetesClientException e) {
      String why =
          e.getStatus() != null && e.getStatus().getMessage() != null
              ? e.getStatus().getMessage()
              : e.getMessage();
      return new Result(null, "cannot read the status of " + monitor + ": " + why);
    }
  }
}
