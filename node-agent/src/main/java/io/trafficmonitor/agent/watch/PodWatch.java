package io.trafficmonitor.agent.watch;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.trafficmonitor.agent.spec.MonitorSettings;
import io.trafficmonitor.agent.spec.Selectors;
import java.util.ArrayList;
import java.util.List;

/**
 * The pods of this node and the namespaces of the cluster, as informers keep them: which pods run,
 * and which of them a monitor selects (its namespace, or a ClusterTrafficMonitor's
 * namespaceSelector, and its podSelector). Every pod event and every change of a namespace's labels
 * runs {@code onChange}: it does not call back into the agent.
 */
public final class PodWatch implements AutoCloseable {
  private final String nodeName;
  private SharedIndexInformer<Pod> podInformer;
  private SharedIndexInformer<Namespace> namespaceInformer;

  public PodWatch(String nodeName) {
    this.nodeName = nodeName;
  }

  /** Starts the informers; returns once they have synced. */
  public void start(KubernetesClient client, Runnable onChange) {
    podInformer =
        client
            .pods()
            .inAnyNamespace()
            .withField("spec.nodeName", nodeName)
            .inform(Changes.any(onChange), 0);
    namespaceInformer = client.namespaces().inform(Changes.on(onChange, Changes::labelsChanged), 0);
  }

  /** The running pods of this node that are not being deleted. */
  public List<Pod> running() {
    List<Pod> out = new ArrayList<>();
    if (podInformer == null) {
      return out;
    }
    for (Pod p : podInformer.getStore().list()) {
      if (nodeName.equals(p.getSpec().getNodeName())
          && p.getMetadata().getDeletionTimestamp() == null
          && p.getStatus() != null
          && "Running".equals(p.getStatus().getPhase())) {
        out.add(p);
      }
    }
    return out;
  }

  /**
   * The pods of {@code running} that the monitor of {@code namespace} (null: a
   * ClusterTrafficMonitor) selects with settings {@code s}.
   */
  public List<Pod> selected(MonitorSettings s, String namespace, List<Pod> running) {
    if (!s.selectsPods()) {
      return List.of();
    }
    List<Pod> out = new ArrayList<>();
    for (Pod p : running) {
      if (namespaceSelected(s, namespace, p.getMetadata().getNamespace())
          && Selectors.matches(s.podSelector(), p.getMetadata().getLabels())) {
        out.add(p);
      }
    }
    return out;
  }

  private boolean namespaceSelected(MonitorSettings s, String namespace, String ns) {
    if (namespace != null) {
      return namespace.equals(ns);
    }
    if (s.namespaceSelector().isEmpty()) {
      return true; // a ClusterTrafficMonitor without namespaceSelector: every namespace
    }
    if (namespaceInformer == null) {
      return false;
    }
    Namespace n = namespaceInformer.getStore().getByKey(ns);
    return n != null && Selectors.matches(s.namespaceSelector().get(), n.getMetadata().getLabels());
  }

  @Override
  public void close() {
    if (podInformer != null) {
      podInformer.close();
    }
    if (namespaceInformer != null) {
      namespaceInformer.close();
    }
  }
}
