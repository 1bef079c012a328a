package io.trafficmonitor.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.MonitorView;
import io.trafficmonitor.agent.collect.TcpCollector;
import io.trafficmonitor.agent.export.AgentMetrics;
import io.trafficmonitor.agent.export.NodeMetrics;
import io.trafficmonitor.agent.export.StatusWriter;
import io.trafficmonitor.agent.spec.MonitorSettings;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.agent.watch.MonitorWatch.Monitor;
import io.trafficmonitor.api.v1alpha1.InterfaceHook;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import java.util.List;

/**
 * One monitor as this node's agent serves it: its settings and targets on the node, its view of the
 * shared flows, its TCP figures, metrics and status entry. Made when the monitor starts to select
 * the node, closed when it stops (or is deleted).
 */
final class MonitorRuntime {
  /** The namespace of a TrafficMonitor; null for a ClusterTrafficMonitor. */
  final String namespace;

  final String name;
  final AgentMetrics metrics;
  final MonitorView view;
  final TcpCollector tcp;
  final StatusWriter status;

  /** The oldest first: the order in which monitors win a setting the kernel has only one of. */
  final String created;

  /**
   * The monitor object's uid: what its checkpointed figures are kept under, so that a monitor
   * deleted and made again under the same name while no agent ran starts from zero.
   */
  final String uid;

  volatile MonitorSettings settings;

  /** The monitor's metadata.generation these settings come from. */
  volatile Long generation;

  volatile TargetIndex index = TargetIndex.EMPTY;
  volatile List<String> errors = List.of();
  volatile int pods;
  volatile int interfaces;

  /** What counts each node interface's ingress (status.nodes[].ingressHooks); null: none. */
  volatile List<InterfaceHook> ingressHooks;

  volatile NodeStatus lastStatus;
  long nextStatus;

  /** {@code namespace} null: a ClusterTrafficMonitor. */
  MonitorRuntime(
      String namespace,
      String name,
      String created,
      String uid,
      NodeMetrics node,
      Collector collector,
      KubernetesClient client,
      AgentConfig config) {
    this.namespace = namespace;
    this.name = name;
    this.created = created == null ? "" : created;
    this.uid = uid == null ? "" : uid;
    this.metrics = new AgentMetrics(node, namespace == null ? "" : namespace, name);
    this.view = new MonitorView(collector, metrics);
    this.tcp = new TcpCollector(metrics);
    this.status =
        new StatusWriter(client, config.nodeName(), config.fieldManager(), namespace, name);
  }

  /** namespace/name, or the name of a ClusterTrafficMonitor (its informer's store keys). */
  String key() {
    return key(namespace, name);
  }

  static String key(String namespace, String name) {
    return Monitor.keyOf(namespace, name);
  }

  boolean cluster() {
    return namespace == null;
  }

  /** Whether this monitor counts the node's own drops (only one that watches node interfaces). */
  boolean nodeDrops() {
    MonitorSettings s = settings;
    return s != null && !s.interfaces().isEmpty();
  }
}
