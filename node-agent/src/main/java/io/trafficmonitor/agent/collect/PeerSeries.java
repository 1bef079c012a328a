package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.api.v1alpha1.Peer;

/**
 * Cumulative bytes and packets between one target that counts in totals (a pod's sockets, a node
 * interface) and one peer at workload granularity, in one direction (spec.flows.peers): never a
 * series per address.
 */
public final class PeerSeries extends ByteCounts {

  /**
   * The labels of the series, apart from the monitor: the peer's workload kind and name (a pod's
   * controller, the Deployment above a ReplicaSet, the CronJob above a Job), else what the address
   * is (a Service and its name, a pod no controller owns and its name, Node, World; a pod or
   * Service the monitor may not name: its kind alone).
   */
  public record Key(Target target, String direction, String kind, String namespace, String name) {

    /** The key of {@code peer} (as the monitor may see it) from {@code target}. */
    public static Key of(Target target, String direction, Peer peer) {
      if (peer.getWorkload() != null) {
        return new Key(
            target, direction, peer.getWorkloadKind(), peer.getNamespace(), peer.getWorkload());
      }
      boolean named = Peer.POD.equals(peer.getKind()) || Peer.SERVICE.equals(peer.getKind());
      return new Key(
          target,
          direction,
          peer.getKind(),
          named && peer.getNamespace() != null ? peer.getNamespace() : "",
          named && peer.getName() != null ? peer.getName() : "");
    }

    /** Whether the address was not known as a cluster address when the key was made. */
    boolean world() {
      return Peer.WORLD.equals(kind);
    }
  }

  private final Key key;

  public PeerSeries(Key key) {
    this.key = key;
  }

  public Key key() {
    return key;
  }
}
