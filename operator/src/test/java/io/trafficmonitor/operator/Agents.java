package io.trafficmonitor.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;

/** Writes status.nodes entries as node agents do: server-side apply, one field manager each. */
public final class Agents {
  private Agents() {}

  public static String fieldManager(String node) {
    return "trafficmonitor-agent-" + node;
  }

  /** Applies {@code entryJson} (an object with at least "node") as the agent of {@code node}. */
  public static void report(
      KubernetesClient client, String ns, String name, String node, String entryJson) {
    String patch =
        "{\"apiVersion\": \""
            + TrafficMonitor.API_VERSION
            + "\", \"kind\": \"TrafficMonitor\", \"metadata\": {\"name\": \""
            + name
            + "\"}, \"status\": {\"nodes\": ["
            + entryJson
            + "]}}";
    client
        .resources(TrafficMonitor.class)
        .inNamespace(ns)
        .withName(name)
        .subresource("status")
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager(fieldManager(node))
                .withForce(true)
                .build(),
            patch);
  }
}
