package io.trafficmonitor.agent;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A token with the operator's right that the agents ask of whoever reads every monitor's entries
 * ({@code GET /api/v1/status}): update on trafficmonitors/status in all namespaces (the chart's
 * operator ClusterRole has it).
 */
final class OperatorTokens {
  private OperatorTokens() {}

  /** A ServiceAccount "operator" of {@code namespace} with that right, and a token of it. */
  static String token(KubernetesClient client, String namespace) {
    String name = "tm-it-status-writer-" + namespace;
    client
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName("tm-it-status-writer")
                .endMetadata()
                .withRules(
                    new PolicyRuleBuilder()
                        .withApiGroups("trafficmonitor.io")
                        .withResources("trafficmonitors/status")
                        .withVerbs("update", "patch")
                        .build())
                .build())
        .serverSideApply();
    client
        .serviceAccounts()
        .inNamespace(namespace)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("operator")
                .endMetadata()
                .build())
        .serverSideApply();
    client
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "tm-it-status-writer")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("operator")
                .withNamespace(namespace)
                .endSubject()
                .build())
        .serverSideApply();
    return tokenOf(client, namespace, "operator");
  }

  /** A token (an hour) of ServiceAccount {@code namespace/name}. */
  static String tokenOf(KubernetesClient client, String namespace, String name) {
    return client
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(name)
        .tokenRequest(
            new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus()
        .getToken();
  }

  /** Removes what {@link #token} made outside the namespace. */
  static void remove(KubernetesClient client, String namespace) {
    client.rbac().clusterRoleBindings().withName("tm-it-status-writer-" + namespace).delete();
  }
}
