package io.trafficmonitor.operator.agents;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import io.trafficmonitor.operator.status.AgentFleet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The informers through which every monitor's status sees the agents: the agent DaemonSet and its
 * pods (in the operator's namespace) and the nodes. What can move a monitor's status (the
 * DaemonSet's rollout, a pod bound to a node or leaving it, a node's labels or taints) reconciles
 * every monitor; the reconciles read the caches through {@link #fleet()}. Each controller (of
 * TrafficMonitors, of ClusterTrafficMonitors) has its own: JOSDK's event sources trigger their own
 * controller only. The caches keep only what is read, so the second copy costs little.
 *
 * @param <P> the monitors' kind
 */
public final class AgentFleetSource<P extends HasMetadata> {

  private final String namespace;
  private final AgentDaemonSetKeeper keeper;
  private InformerEventSource<DaemonSet, P> daemonSets;
  private InformerEventSource<Pod, P> pods;
  private InformerEventSource<Node, P> nodes;

  public AgentFleetSource(String namespace, AgentDaemonSetKeeper keeper) {
    this.namespace = namespace;
    this.keeper = keeper;
  }

  /** The event sources of a monitor controller; called once, when it is registered. */
  public List<EventSource<?, P>> eventSources(EventSourceContext<P> ctx) {
    Class<P> primary = ctx.getPrimaryResourceClass();
    daemonSets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(DaemonSet.class, primary)
                .withName("agent-daemonset")
                .withNamespaces(Set.of(namespace))
                .withLabelSelector(AgentDaemonSet.SELECTOR)
                .withSecondaryToPrimaryMapper(everyMonitor(ctx))
                .withPrimaryToSecondaryMapper(readDirectly())
                .withOnUpdateFilter(
                    (now, before) ->
                        !Objects.equals(now.getStatus(), before.getStatus())
                            || !Objects.equals(
                                now.getMetadata().getGeneration(),
                                before.getMetadata().getGeneration()))
                .build(),
            ctx);
    pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, primary)
                .withName("agent-pods")
                .withNamespaces(Set.of(namespace))
                .withLabelSelector(AgentDaemonSet.SELECTOR)
                // Only the node a pod is bound to, its address and whether it is going are read.
                .withItemStore(new TransformingItemStore<>(AgentFleetSource::nodeAndDeletion))
                .withSecondaryToPrimaryMapper(everyMonitor(ctx))
                .withPrimaryToSecondaryMapper(readDirectly())
                .withOnUpdateFilter(
                    (now, before) ->
                        !Objects.equals(now.getSpec().getNodeName(), before.getSpec().getNodeName())
                            || !Objects.equals(podIp(now), podIp(before))
                            || !Objects.equals(
                                now.getMetadata().getDeletionTimestamp(),
                                before.getMetadata().getDeletionTimestamp()))
                .build(),
            ctx);
    nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Node.class, primary)
                .withName("nodes")
                .withWatchAllNamespaces()
                // A Node carries its images and conditions (tens of KB); only these two are read.
                .withItemStore(new TransformingItemStore<>(AgentFleetSource::labelsAndTaints))
                .withSecondaryToPrimaryMapper(everyMonitor(ctx))
                .withPrimaryToSecondaryMapper(readDirectly())
                .withOnUpdateFilter(
                    (now, before) ->
                        !Objects.equals(
                                now.getMetadata().getLabels(), before.getMetadata().getLabels())
                            || !Objects.equals(taints(now), taints(before)))
                .build(),
            ctx);
    return List.of(daemonSets, pods, nodes);
  }

  /** What the informers see now: the DaemonSet, the nodes its pods are bound to, apply errors. */
  public AgentFleet fleet() {
    DaemonSet ds = daemonSets.get(new ResourceID(AgentDaemonSet.NAME, namespace)).orElse(null);
    Map<String, String> addresses = new HashMap<>();
    Set<String> bound = new HashSet<>();
    pods.list(namespace, p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> p.getSpec().getNodeName() != null)
        .forEach(
            p -> {
              bound.add(p.getSpec().getNodeName());
              if (p.getStatus() != null && p.getStatus().getPodIP() != null) {
                addresses.put(p.getSpec().getNodeName(), p.getStatus().getPodIP());
              }
            });
    List<Node> running = nodes.list(n -> bound.contains(n.getMetadata().getName())).toList();
    return new AgentFleet(ds, running, keeper.applyError(), addresses);
  }

  /** Any change of the agents may move any monitor's status. */
  private static <R extends HasMetadata, P extends HasMetadata>
      SecondaryToPrimaryMapper<R> everyMonitor(EventSourceContext<P> ctx) {
    return r ->
        ctx.getPrimaryCache().list().map(ResourceID::fromResource).collect(Collectors.toSet());
  }

  /**
   * Reconciles read the caches through {@link #fleet()}; mapping no monitor to these objects keeps
   * JOSDK from indexing every monitor against every node and pod.
   */
  private static <P extends HasMetadata> PrimaryToSecondaryMapper<P> readDirectly() {
    return tm -> Set.of();
  }

  private static Pod nodeAndDeletion(Pod pod) {
    return new PodBuilder()
        .withNewMetadata()
        .withDeletionTimestamp(pod.getMetadata().getDeletionTimestamp())
        .endMetadata()
        .withNewSpec()
        .withNodeName(pod.getSpec() == null ? null : pod.getSpec().getNodeName())
        .endSpec()
        .withNewStatus()
        .withPodIP(podIp(pod))
        .endStatus()
        .build();
  }

  private static String podIp(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPodIP();
  }

  private static Node labelsAndTaints(Node node) {
    return new NodeBuilder()
        .withNewMetadata()
        .withLabels(node.getMetadata().getLabels())
        .endMetadata()
        .withNewSpec()
        .withTaints(taints(node))
        .endSpec()
        .build();
  }

  private static List<Taint> taints(Node node) {
    return node.getSpec() == null ? null : node.getSpec().getTaints();
  }
}
