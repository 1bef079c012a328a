package io.trafficmonitor.operator.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a monitor's status (observedGeneration, conditions, summary, the bounded status.nodes)
 * with server-side apply under the operator's field manager: entries it leaves out (a node gone, a
 * node no longer among the shown) go. A patch that would change nothing is not sent.
 */
public final class StatusWriter {

  public static final String FIELD_MANAGER = "trafficmonitor-operator";

  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private static final Map<String, AtomicLong> PATCHES = new ConcurrentHashMap<>();

  private StatusWriter() {}

  /**
   * Status patches sent by this process so far for one monitor; {@code namespace} null for a
   * ClusterTrafficMonitor.
   */
  public static long patchesSent(String namespace, String name) {
    AtomicLong count = PATCHES.get(key(namespace, name));
    return count == null ? 0 : count.get();
  }

  /** Whether the operator's fields of {@code current} differ from {@code desired}. */
  public static boolean changed(TrafficMonitorStatus current, TrafficMonitorStatus desired) {
    return !ownFields(current).equals(ownFields(desired));
  }

  /**
   * Applies {@code desired} to the status of {@code monitor} (a TrafficMonitor or a
   * ClusterTrafficMonitor) if it changes something; returns whether a patch was sent.
   */
  public static boolean writeIfChanged(
      KubernetesClient client,
      CustomResource<TrafficMonitorSpec, TrafficMonitorStatus> monitor,
      TrafficMonitorStatus desired) {
    if (!changed(monitor.getStatus(), desired)) {
      return false;
    }
    String namespace = monitor.getMetadata().getNamespace();
    String name = monitor.getMetadata().getName();
    ObjectNode patch = JSON.createObjectNode();
    patch.put("apiVersion", monitor.getApiVersion());
    patch.put("kind", monitor.getKind());
    patch.putObject("metadata").put("name", name);
    patch.set("status", ownFields(desired));
    var resources = client.resources(monitor.getClass());
    (namespace == null ? resources.withName(name) : resources.inNamespace(namespace).withName(name))
        .subresource("status")
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager(FIELD_MANAGER)
                .withForce(true)
                .build(),
            patch.toString());
    PATCHES.computeIfAbsent(key(namespace, name), k -> new AtomicLong()).incrementAndGet();
    if (writtenByAgents(monitor) && foreignEntries(monitor.getStatus(), desired)) {
      // Entries written by agents of an older release, under their own field managers, which an
      // apply cannot remove: replace the list once with a merge patch.
      ObjectNode replace = JSON.createObjectNode();
      replace
          .putObject("status")
          .set("nodes", desired.getNodes() == null ? null : JSON.valueToTree(desired.getNodes()));
      (namespace == null
              ? resources.withName(name)
              : resources.inNamespace(namespace).withName(name))
          .subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), replace.toString());
    }
    return true;
  }

  /** Whether agents of an older release wrote entries (their field managers own some). */
  static boolean writtenByAgents(CustomResource<?, ?> monitor) {
    var fields = monitor.getMetadata().getManagedFields();
    return fields != null
        && fields.stream()
            .anyMatch(
                f -> f.getManager() != null && f.getManager().startsWith(OLD_AGENT_MANAGER_PREFIX));
  }

  /** The field managers of agents that wrote their own entries: trafficmonitor-agent-<node>. */
  static final String OLD_AGENT_MANAGER_PREFIX = "trafficmonitor-agent-";

  /** Whether {@code current} lists a node that {@code desired} leaves out (and nothing removes). */
  static boolean foreignEntries(TrafficMonitorStatus current, TrafficMonitorStatus desired) {
    if (current == null || current.getNodes() == null || current.getNodes().isEmpty()) {
      return false;
    }
    Set<String> kept = new HashSet<>();
    if (desired.getNodes() != null) {
      desired.getNodes().forEach(n -> kept.add(n.getNode()));
    }
    return current.getNodes().stream().anyMatch(n -> !kept.contains(n.getNode()));
  }

  private static String key(String namespace, String name) {
    return namespace == null ? name : namespace + "/" + name;
  }

  private static ObjectNode ownFields(TrafficMonitorStatus status) {
    ObjectNode own = JSON.createObjectNode();
    if (status == null) {
      return own;
    }
    JsonNode tree = JSON.valueToTree(status);
    for (String field : new String[] {"observedGeneration", "conditions", "summary", "nodes"}) {
      if (tree.hasNonNull(field)) {
        own.set(field, tree.get(field));
      }
    }
    return own;
  }
}
