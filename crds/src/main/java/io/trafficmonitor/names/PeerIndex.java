package io.trafficmonitor.names;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.trafficmonitor.api.v1alpha1.Peer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The cluster's pods, Services, nodes, ReplicaSets and Jobs, watched, kept in a {@link
 * PeerDirectory}: what names peers. The informers keep only the fields the directory needs to
 * forget an object (its addresses, its owner), not whole objects, so the cost is a few hundred
 * bytes per pod. Started by whoever names peers, closed by it.
 */
public final class PeerIndex implements AutoCloseable {

  private final PeerDirectory directory = new PeerDirectory();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final List<CompletableFuture<Void>> started = new ArrayList<>();

  private PeerIndex() {}

  /** Watches the cluster's objects from {@code client}; names are known once they have synced. */
  public static PeerIndex start(KubernetesClient client) {
    PeerIndex index = new PeerIndex();
    PeerDirectory d = index.directory;
    index.watch(
        client,
        client.pods().inAnyNamespace(),
        Pod.class,
        p -> {
          if (indexed(p)) {
            d.putPod(uid(p), ns(p), name(p), podIps(p), controller(p));
          } else {
            d.removePod(uid(p), podIps(p));
          }
        },
        (p, ips) -> d.removePod(uid(p), ips),
        PeerIndex::podIps,
        "status.podIPs");
    index.watch(
        client,
        client.services().inAnyNamespace(),
        Service.class,
        s -> d.putService(ns(s), name(s), serviceIps(s)),
        (s, ips) -> d.removeService(ns(s), name(s), ips),
        PeerIndex::serviceIps,
        "spec.clusterIPs");
    index.watch(
        client,
        client.nodes(),
        Node.class,
        n -> d.putNode(name(n), nodeIps(n)),
        (n, ips) -> d.removeNode(name(n), ips),
        PeerIndex::nodeIps,
        "status.addresses");
    index.watch(
        client,
        client.apps().replicaSets().inAnyNamespace(),
        ReplicaSet.class,
        r -> d.putOwner(uid(r), controller(r)),
        (r, ips) -> d.removeOwner(uid(r)),
        r -> List.of(),
        "metadata.ownerReferences");
    index.watch(
        client,
        client.batch().v1().jobs().inAnyNamespace(),
        Job.class,
        j -> d.putOwner(uid(j), controller(j)),
        (j, ips) -> d.removeOwner(uid(j)),
        j -> List.of(),
        "metadata.ownerReferences");
    return index;
  }

  /** What {@code address} is (the world until the watches have synced). */
  public Peer resolve(String address) {
    return directory.resolve(address);
  }

  /** Whether every watch has listed its objects once. */
  public boolean synced() {
    return informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  /**
   * Waits until every watch has listed its objects once, at most {@code limit}; returns whether
   * they have.
   */
  public boolean awaitSynced(Duration limit) {
    try {
      CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
          .get(limit.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return synced();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return synced();
    }
  }

  /** The directory the watches fill (tests, benchmarks). */
  public PeerDirectory directory() {
    return directory;
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
    informers.clear();
  }

  /**
   * Runs an informer on {@code what} that keeps only {@code kept} (and the key) of each object: on
   * an add or update {@code put} gets the new object; on an update it is first undone with the old
   * object's addresses when they changed, and on a delete {@code remove} gets the (reduced) last
   * state and its addresses.
   */
  private <T extends HasMetadata> void watch(
      KubernetesClient client,
      Informable<T> what,
      Class<T> type,
      Consumer<T> put,
      BiConsumer<T, List<String>> remove,
      Function<T, List<String>> ips,
      String kept) {
    SharedIndexInformer<T> informer = what.runnableInformer(0);
    informer.itemStore(
        new ReducedStateItemStore<>(
            ReducedStateItemStore.UID_KEY_STATE,
            type,
            client.getKubernetesSerialization(),
            kept,
            "metadata.name",
            "metadata.namespace"));
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            put.accept(obj);
          }

          @Override
          public void onUpdate(T old, T now) {
            List<String> before = ips.apply(old);
            if (!before.equals(ips.apply(now))) {
              remove.accept(old, before);
            }
            put.accept(now);
          }

          @Override
          public void onDelete(T obj, boolean finalStateUnknown) {
            remove.accept(obj, ips.apply(obj));
          }
        });
    started.add(informer.start().toCompletableFuture());
    informers.add(informer);
  }

  /** Pods whose addresses are theirs: running or about to, not on the host network. */
  private static boolean indexed(Pod p) {
    boolean hostNetwork = p.getSpec() != null && Boolean.TRUE.equals(p.getSpec().getHostNetwork());
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return !hostNetwork && !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  private static List<String> podIps(Pod p) {
    if (p.getStatus() == null || p.getStatus().getPodIPs() == null) {
      return List.of();
    }
    return p.getStatus().getPodIPs().stream().map(PodIP::getIp).filter(Objects::nonNull).toList();
  }

  private static List<String> serviceIps(Service s) {
    if (s.getSpec() == null || s.getSpec().getClusterIPs() == null) {
      return List.of();
    }
    return s.getSpec().getClusterIPs().stream()
        .filter(ip -> ip != null && !ip.isEmpty() && !"None".equals(ip))
        .toList();
  }

  private static List<String> nodeIps(Node n) {
    if (n.getStatus() == null || n.getStatus().getAddresses() == null) {
      return List.of();
    }
    return n.getStatus().getAddresses().stream()
        .filter(a -> "InternalIP".equals(a.getType()) || "ExternalIP".equals(a.getType()))
        .map(NodeAddress::getAddress)
        .filter(Objects::nonNull)
        .toList();
  }

  private static PeerDirectory.Owner controller(HasMetadata o) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    if (refs == null) {
      return null;
    }
    return refs.stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .findFirst()
        .map(r -> new PeerDirectory.Owner(r.getKind(), r.getName(), r.getUid()))
        .orElse(null);
  }

  private static String uid(HasMetadata o) {
    return o.getMetadata().getUid();
  }

  private static String ns(HasMetadata o) {
    return o.getMetadata().getNamespace();
  }

  private static String name(HasMetadata o) {
    return o.getMetadata().getName();
  }
}
