package io.trafficmonitor.agent;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.testing.ServiceAccountTokens;
import java.time.Duration;

/**
 * Tokens with the cluster-wide rights that the agents ask of whoever reads every monitor's figures
 * at once: the operator's ({@link #token}: update on trafficmonitors/status in all namespaces, for
 * {@code GET /api/v1/status}; the chart's operator ClusterRole has it) and a scraper's ({@link
 * #metricsReader}: get on the non-resource URL /metrics; the chart's metrics-reader ClusterRole).
 * Each is a ServiceAccount of the test's namespace bound by a ClusterRoleBinding named after the
 * namespace, which {@link #remove} deletes ({@link Cluster#tearDown} calls it).
 */
final class OperatorTokens {
  private OperatorTokens() {}

  private static final String STATUS_WRITER = "tm-it-status-writer";
  private static final String METRICS_READER = "tm-it-metrics-reader";

  /** A ServiceAccount "operator" of {@code namespace} with the operator's right, and a token. */
  static String token(KubernetesClient client, String namespace) {
    return bound(
        client,
        namespace,
        "operator",
        STATUS_WRITER,
        new PolicyRuleBuilder()
            .withApiGroups("trafficmonitor.io")
            .withResources("trafficmonitors/status")
            .withVerbs("update", "patch")
            .build());
  }

  /**
   * A ServiceAccount "metrics-reader" of {@code namespace} that may get /metrics (scrape the
   * agents), and a token.
   */
  static String metricsReader(KubernetesClient client, String namespace) {
    return bound(
        client,
        namespace,
        "metrics-reader",
        METRICS_READER,
        new PolicyRuleBuilder().withNonResourceURLs("/metrics").withVerbs("get").build());
  }

  /**
   * ServiceAccount {@code namespace/account} bound to ClusterRole {@code role} (made with {@code
   * rule}), and a token of it.
   */
  private static String bound(
      KubernetesClient client, String namespace, String account, String role, PolicyRule rule) {
    client
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .withRules(rule)
                .build())
        .serverSideApply();
    ServiceAccountTokens.bindToClusterRole(
        client, namespace, account, role, role + "-" + namespace);
    return tokenOf(client, namespace, account);
  }

  /**
   * A token (an hour) of ServiceAccount {@code namespace/name}, for {@code audiences} (none: the
   * API server's).
   */
  static String tokenOf(
      KubernetesClient client, String namespace, String name, String... audiences) {
    return ServiceAccountTokens.token(client, namespace, name, Duration.ofHours(1), audiences);
  }

  /** Removes what {@link #token} and {@link #metricsReader} made outside the namespace. */
  static void remove(KubernetesClient client, String namespace) {
    for (String role : new String[] {STATUS_WRITER, METRICS_READER}) {
      client.rbac().clusterRoleBindings().withName(role + "-" + namespace).delete();
    }
  }
}
