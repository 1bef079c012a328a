package io.trafficmonitor.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.api.v1alpha1.Peer;
import io.trafficmonitor.names.PeerIndex;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The names of the cluster's addresses, for the status's top talkers and flows: the leader starts
 * watching pods, Services, nodes, ReplicaSets and Jobs when it starts leading (a standby replica
 * holds none of it), and names peers once the watches have synced.
 */
final class ClusterNames implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ClusterNames.class);

  private final KubernetesClient client;
  private volatile PeerIndex index;

  ClusterNames(KubernetesClient client) {
    this.client = client;
  }

  /** Starts the watches (once). */
  synchronized void start() {
    if (index == null) {
      index = PeerIndex.start(client);
      LOG.info("watching pods, Services, nodes, ReplicaSets and Jobs to name peers");
    }
  }

  /** What names an address, or null while the watches have not synced (names come later). */
  Function<String, Peer> resolver() {
    PeerIndex i = index;
    return i != null && i.synced() ? i::resolve : null;
  }

  @Override
  public synchronized void close() {
    if (index != null) {
      index.close();
      index = null;
    }
  }
}
