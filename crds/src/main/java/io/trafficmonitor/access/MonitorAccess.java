package io.trafficmonitor.access;

import io.fabric8.kubernetes.api.model.authorization.v1.NonResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.NonResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;

/**
 * Whether a user may read a monitor's figures: the one rule of every API that serves them (the
 * agents' and the operator's live API). The user must be allowed to {@code get} the monitor (a
 * TrafficMonitor in its namespace, or a ClusterTrafficMonitor), as the API server's authorizer
 * answers a SubjectAccessReview: a tenant reads only the monitors its RBAC lets it read. Every
 * monitor's figures at once (an agent's entries for the operator, an agent's {@code /metrics}) need
 * a cluster-wide right: {@link #refusalToWriteStatus}, {@link #refusalToGetMetrics}.
 */
public final class MonitorAccess {
  /** The non-resource URL of the agents' Prometheus endpoint, as of Kubernetes' own components. */
  public static final String METRICS_PATH = "/metrics";

  private MonitorAccess() {}

  /** Who asks, as the API server authenticated them. */
  public record Caller(
      String username, List<String> groups, String uid, Map<String, List<String>> extra) {}

  /**
   * Null when {@code caller} may write the status of TrafficMonitors in every namespace (the
   * operator does; so may a cluster admin), which is what reading every monitor's figures at once
   * asks (an agent's entries of all the monitors it serves); else the refusal's message.
   *
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API server cannot be
   *     asked
   */
  public static String refusalToWriteStatus(KubernetesClient client, Caller caller) {
    return allowed(
            client,
            caller,
            new ResourceAttributesBuilder()
                .withGroup("trafficmonitor.io")
                .withResource("trafficmonitors")
                .withSubresource("status")
                .withVerb("update")
                .withNamespace("")
                .build())
        ? null
        : caller.username()
            + " may not read every monitor's figures: that needs update on trafficmonitors/status"
            + " in all namespaces (the operator's right)";
  }

  /**
   * Null when {@code caller} may {@code get} the non-resource URL {@code /metrics}, which is what
   * scraping an agent asks (its series carry every monitor's pods and peers): the rule of
   * kube-rbac-proxy, and the right that the kubelet and the API server ask of whoever scrapes them,
   * so the ClusterRole of a cluster's Prometheus (kube-prometheus-stack's) has it already. Else the
   * refusal's message, naming who lacks what.
   *
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API server cannot be
   *     asked
   */
  public static String refusalToGetMetrics(KubernetesClient client, Caller caller) {
    return allowed(
            client,
            caller,
            new NonResourceAttributesBuilder().withPath(METRICS_PATH).withVerb("get").build())
        ? null
        : caller.username()
            + " may not get "
            + METRICS_PATH
            + " (nonResourceURLs: [\""
            + METRICS_PATH
            + "\"], verbs: [\"get\"])";
  }

  /**
   * Null when {@code caller} may get monitor {@code namespace/name} ({@code namespace} null: a
   * ClusterTrafficMonitor), else the refusal's message, naming who lacks what.
   *
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API server cannot be
   *     asked
   */
  public static String refusal(
      KubernetesClient client, Caller caller, String namespace, String name) {
    return allowed(
            client,
            caller,
            new ResourceAttributesBuilder()
                .withGroup("trafficmonitor.io")
                .withResource(namespace == null ? "clustertrafficmonitors" : "trafficmonitors")
                .withVerb("get")
                .withNamespace(namespace)
                .withName(name)
                .build())
        ? null
        : caller.username()
            + " may not get "
            + (namespace == null
                ? "clustertrafficmonitors/" + name
                : "trafficmonitors/" + name + " in namespace " + namespace);
  }

  /** The API server's answer to whether {@code caller} may do {@code what} to an object. */
  private static boolean allowed(KubernetesClient client, Caller caller, ResourceAttributes what) {
    return allowed(client, caller, what, null);
  }

  /** The API server's answer to whether {@code caller} may do {@code what} to a URL. */
  private static boolean allowed(
      KubernetesClient client, Caller caller, NonResourceAttributes what) {
    return allowed(client, caller, null, what);
  }

  /** One SubjectAccessReview: {@code resource} or {@code nonResource} is null. */
  private static boolean allowed(
      KubernetesClient client,
      Caller caller,
      ResourceAttributes resource,
      NonResourceAttributes nonResource) {
    SubjectAccessReview access =
        client
            .authorization()
            .v1()
            .subjectAccessReview()
            .create(
                new SubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withUser(caller.username())
                    .withGroups(caller.groups())
                    .withUid(caller.uid())
                    .withExtra(caller.extra())
                    .withResourceAttributes(resource)
                    .withNonResourceAttributes(nonResource)
                    .endSpec()
                    .build());
    return access.getStatus() != null && Boolean.TRUE.equals(access.getStatus().getAllowed());
  }
}
