package io.trafficmonitor.agent.watch;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.trafficmonitor.agent.spec.NodeSelection;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The monitors of both kinds and this node, as informers keep them: which monitors select the node
 * ({@link NodeSelection}). A change of a monitor's spec, labels or deletion, or of the node's
 * labels or taints, runs {@code onChange}: it does not call back into the agent.
 */
public final class MonitorWatch implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(MonitorWatch.class);

  /** A monitor of either kind: a TrafficMonitor, or a ClusterTrafficMonitor (no namespace). */
  public record Monitor(
      String namespace,
      String name,
      String created,
      String uid,
      Long generation,
      TrafficMonitorSpec spec,
      boolean deleting) {
    static Monitor of(CustomResource<TrafficMonitorSpec, ?> r) {
      return new Monitor(
          r.getMetadata().getNamespace(),
          r.getMetadata().getName(),
          Objects.toString(r.getMetadata().getCreationTimestamp(), ""),
          r.getMetadata().getUid(),
          r.getMetadata().getGeneration(),
          r.getSpec(),
          r.getMetadata().getDeletionTimestamp() != null);
    }

    /** namespace/name, or the name of a ClusterTrafficMonitor (its informer's store keys). */
    public String key() {
      return keyOf(namespace, name);
    }

    /** {@link #key()} of monitor {@code namespace/name} ({@code namespace} null: a cluster one). */
    public static String keyOf(String namespace, String name) {
      return namespace == null ? name : namespace + "/" + name;
    }
  }

  private final KubernetesClient client;
  private final String nodeName;
  private final Optional<String> watchNamespace;
  private Runnable onChange;
  private SharedIndexInformer<TrafficMonitor> monitorInformer;
  private SharedIndexInformer<ClusterTrafficMonitor> clusterInformer;
  private SharedIndexInformer<Node> nodeInformer;

  /** {@code watchNamespace}: the only namespace whose TrafficMonitors count, or empty: all. */
  public MonitorWatch(KubernetesClient client, String nodeName, Optional<String> watchNamespace) {
    this.client = client;
    this.nodeName = nodeName;
    this.watchNamespace = watchNamespace;
  }

  /**
   * Starts the informers of the monitors, of the node and of the ClusterTrafficMonitors; returns
   * once they have synced.
   */
  public void start(Runnable onChange) {
    this.onChange = onChange;
    var monitors = client.resources(TrafficMonitor.class);
    monitorInformer =
        watchNamespace.isPresent()
            ? monitors
                .inNamespace(watchNamespace.get())
                .inform(Changes.on(onChange, Changes::specChanged), 0)
            : monitors.inAnyNamespace().inform(Changes.on(onChange, Changes::specChanged), 0);
    nodeInformer =
        client
            .nodes()
            .withField("metadata.name", nodeName)
            .inform(Changes.on(onChange, Changes::nodeChanged), 0);
    watchClusterMonitors();
  }

  /**
   * Starts watching ClusterTrafficMonitors; without their CRD (an older install, say) namespaced
   * monitors are served alone and the watch is tried again at every resync.
   */
  private void watchClusterMonitors() {
    if (clusterInformer != null) {
      return;
    }
    try {
      clusterInformer =
          client
              .resources(ClusterTrafficMonitor.class)
              .inform(Changes.on(onChange, Changes::specChanged), 0);
    } catch (RuntimeException e) {
      LOG.warnf(
          "ClusterTrafficMonitors not watched (retrying at the next resync): %s", e.getMessage());
    }
  }

  /** The monitors of both kinds that select this node, oldest first. */
  public List<Monitor> selecting() {
    if (clusterInformer == null && monitorInformer != null) {
      watchClusterMonitors();
    }
    List<Monitor> all = new ArrayList<>();
    if (monitorInformer != null) {
      monitorInformer.getStore().list().forEach(m -> all.add(Monitor.of(m)));
    }
    if (clusterInformer != null) {
      clusterInformer.getStore().list().forEach(m -> all.add(Monitor.of(m)));
    }
    Node node = nodeInformer == null ? null : nodeInformer.getStore().getByKey(nodeName);
    List<Monitor> out = new ArrayList<>();
    for (Monitor m : all) {
      if (!m.deleting() && NodeSelection.covers(m.spec(), node)) {
        out.add(m);
      }
    }
    out.sort(Comparator.comparing(Monitor::created).thenComparing(Monitor::key));
    return out;
  }

  /**
   * Whether the monitor of {@code key} still exists ({@code cluster}: a ClusterTrafficMonitor): its
   * entry is to be removed, not its object.
   */
  public boolean exists(String key, boolean cluster) {
    var informer = cluster ? clusterInformer : monitorInformer;
    return informer != null && informer.getStore().getByKey(key) != null;
  }

  @Override
  public void close() {
    for (SharedIndexInformer<?> i :
        new SharedIndexInformer<?>[] {monitorInformer, clusterInformer, nodeInformer}) {
      if (i != null) {
        i.close();
      }
    }
  }
}
