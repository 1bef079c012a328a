package io.trafficmonitor.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
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
    client
        .resources(TrafficMonitor.class)
        .inNamespace(ns)
        .withName(name)
        .subresource("status")
        .patch(asAgent(node), patch(TrafficMonitor.KIND, name, entryJson));
  }

  /** As {@link #report}, to a ClusterTrafficMonitor. */
  public static void reportCluster(
      KubernetesClient client, String name, String node, String entryJson) {
    client
        .resources(ClusterTrafficMonitor.class)
        .withName(name)
        .subresource("status")
        .patch(asAgent(node), patch(ClusterTrafficMonitor.KIND, name, entryJson));
  }

  private static String patch(String kind, String name, String entryJson) {
    return "{\"apiVersion\": \""
        + TrafficMonitor.API_VERSION
        + "\", \"kind\": \""
        + kind
        + "\", \"metadata\": {\"name\": \""
        + name
        + "\"}, \"status\": {\"nodes\": ["
        + entryJson
        + "]}}";
  }

  private static PatchContext asAgent(String node) {
    return new PatchContext.Builder()
        .withPatchType(PatchType.SERVER_SIDE_APPLY)
        .withFieldManager(fieldManager(node))
        .withForce(true)
        .build();
  }
}
