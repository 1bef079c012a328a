package io.trafficmonitor.operator.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the operator's fields of the status (observedGeneration, conditions, summary) with
 * server-side apply under its own field manager, so the agents' {@code status.nodes} entries, owned
 * by their field managers, are never touched. A patch that would change nothing is not sent.
 */
public final class StatusWriter {

  public static final String FIELD_MANAGER = "trafficmonitor-operator";

  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private static final Map<String, AtomicLong> PATCHES = new ConcurrentHashMap<>();

  private StatusWriter() {}

  /** Status patches sent by this process so far for one monitor. */
  public static long patchesSent(String namespace, String name) {
    AtomicLong count = PATCHES.get(namespace + "/" + name);
    return count == null ? 0 : count.get();
  }

  /** Whether the operator's fields of {@code current} differ from {@code desired}. */
  public static boolean changed(TrafficMonitorStatus current, TrafficMonitorStatus desired) {
    return !ownFields(current).equals(ownFields(desired));
  }

  /** Applies {@code desired} if it changes something; returns whether a patch was sent. */
  public static boolean writeIfChanged(
      KubernetesClient client, TrafficMonitor tm, TrafficMonitorStatus desired) {
    if (!changed(tm.getStatus(), desired)) {
      return false;
    }
    ObjectNode patch = JSON.createObjectNode();
    patch.put("apiVersion", TrafficMonitor.API_VERSION);
    patch.put("kind", TrafficMonitor.KIND);
    patch.putObject("metadata").put("name", tm.getMetadata().getName());
    patch.set("status", ownFields(desired));
    client
        .resources(TrafficMonitor.class)
        .inNamespace(tm.getMetadata().getNamespace())
        .withName(tm.getMetadata().getName())
        .subresource("status")
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager(FIELD_MANAGER)
                .withForce(true)
                .build(),
            patch.toString());
    PATCHES
        .computeIfAbsent(
            tm.getMetadata().getNamespace() + "/" + tm.getMetadata().getName(),
            k -> new AtomicLong())
        .incrementAndGet();
    return true;
  }

  private static ObjectNode ownFields(TrafficMonitorStatus status) {
    ObjectNode own = JSON.createObjectNode();
    if (status == null) {
      return own;
    }
    JsonNode tree = JSON.valueToTree(status);
    for (String field : new String[] {"observedGeneration", "conditions", "summary"}) {
      if (tree.hasNonNull(field)) {
        own.set(field, tree.get(field));
      }
    }
    return own;
  }
}
