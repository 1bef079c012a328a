package io.trafficmonitor.names;

import io.trafficmonitor.api.v1alpha1.Peer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Addresses of the cluster and what they are: pods (with the controller that owns each), Services'
 * cluster IPs, nodes' addresses, and the owners of ReplicaSets and Jobs (so that a Deployment's or
 * CronJob's pod is named by its workload). Filled by {@link PeerIndex} from the API server's
 * watches, read by whoever names peers; thread-safe. Kept compact: a few strings per pod, never the
 * objects.
 */
public final class PeerDirectory {

  /** The controller that owns an object: kind, name, uid. */
  public record Owner(String kind, String name, String uid) {}

  /** A pod's entry: whose address it is, and its controller (null when none). */
  private record PodEntry(String uid, String namespace, String name, Owner owner) {}

  private final Map<String, PodEntry> pods = new ConcurrentHashMap<>();
  private final Map<String, String[]> services = new ConcurrentHashMap<>();
  private final Map<String, String> nodes = new ConcurrentHashMap<>();
  private final Map<String, Owner> owners = new ConcurrentHashMap<>();

  /** Records the addresses of a pod (not one on the host network: those are the node's). */
  public void putPod(String uid, String namespace, String name, List<String> ips, Owner owner) {
    PodEntry entry = new PodEntry(uid, namespace, name, owner);
    for (String ip : ips) {
      pods.put(canonical(ip), entry);
    }
  }

  /** Forgets a pod's addresses, unless another pod holds them now. */
  public void removePod(String uid, List<String> ips) {
    for (String ip : ips) {
      pods.computeIfPresent(canonical(ip), (k, e) -> e.uid().equals(uid) ? null : e);
    }
  }

  /** Records the cluster IPs of a Service. */
  public void putService(String namespace, String name, List<String> ips) {
    for (String ip : ips) {
      services.put(canonical(ip), new String[] {namespace, name});
    }
  }

  /** Forgets a Service's cluster IPs, unless another Service holds them now. */
  public void removeService(String namespace, String name, List<String> ips) {
    for (String ip : ips) {
      services.computeIfPresent(
          canonical(ip), (k, s) -> s[0].equals(namespace) && s[1].equals(name) ? null : s);
    }
  }

  /** Records the addresses of a node. */
  public void putNode(String name, List<String> ips) {
    for (String ip : ips) {
      nodes.put(canonical(ip), name);
    }
  }

  /** Forgets a node's addresses, unless another node holds them now. */
  public void removeNode(String name, List<String> ips) {
    for (String ip : ips) {
      nodes.computeIfPresent(canonical(ip), (k, n) -> n.equals(name) ? null : n);
    }
  }

  /** Records the controller of a ReplicaSet or Job ({@code owner} null: it has none). */
  public void putOwner(String uid, Owner owner) {
    if (owner == null) {
      owners.remove(uid);
    } else {
      owners.put(uid, owner);
    }
  }

  public void removeOwner(String uid) {
    owners.remove(uid);
  }

  /** Pods, Services and nodes known (for tests and the benchmark). */
  public int size() {
    return pods.size() + services.size() + nodes.size();
  }

  /**
   * What {@code address} is: a Service's cluster IP, a pod (named with its workload: a ReplicaSet's
   * pod by the Deployment that owns it, a Job's by its CronJob), a node, else the world. Never
   * null.
   */
  public Peer resolve(String address) {
    String ip = canonical(address);
    String[] service = services.get(ip);
    if (service != null) {
      return new Peer(Peer.SERVICE, service[0], service[1], null, null);
    }
    PodEntry pod = pods.get(ip);
    if (pod != null) {
      Owner workload = workload(pod.owner());
      return new Peer(
          Peer.POD,
          pod.namespace(),
          pod.name(),
          workload == null ? null : workload.kind(),
          workload == null ? null : workload.name());
    }
    String node = nodes.get(ip);
    if (node != null) {
      return new Peer(Peer.NODE, null, node, null, null);
    }
    return new Peer(Peer.WORLD, null, null, null, null);
  }

  /** The workload a pod's controller belongs to: one level up for ReplicaSets and Jobs. */
  private Owner workload(Owner controller) {
    if (controller == null) {
      return null;
    }
    if (controller.kind().equals("ReplicaSet") || controller.kind().equals("Job")) {
      Owner above = owners.get(controller.uid());
      if (above != null && (above.kind().equals("Deployment") || above.kind().equals("CronJob"))) {
        return above;
      }
    }
    return controller;
  }

  /**
   * {@code peer} as a monitor in {@code monitorNamespace} may see it (null: a
   * ClusterTrafficMonitor, which sees every name): a pod or Service of another namespace keeps only
   * its kind.
   */
  public static Peer visibleFrom(Peer peer, String monitorNamespace) {
    if (monitorNamespace == null
        || peer.getNamespace() == null
        || peer.getNamespace().equals(monitorNamespace)) {
      return peer;
    }
    return new Peer(peer.getKind(), null, null, null, null);
  }

  /**
   * One spelling per address: the agents write IPv6 addresses in full ({@code fd00:0:0:0:0:0:0:1}),
   * the API server compressed ({@code fd00::1}). Anything that is not an IP literal stays as it is
   * (and is never looked up).
   */
  static String canonical(String address) {
    if (address == null || address.indexOf(':') < 0) {
      return address;
    }
    for (int i = 0; i < address.length(); i++) {
      char c = address.charAt(i);
      if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
        return address;
      }
    }
    try {
      return InetAddress.getByName(address).getHostAddress();
    } catch (UnknownHostException e) {
      return address;
    }
  }
}
