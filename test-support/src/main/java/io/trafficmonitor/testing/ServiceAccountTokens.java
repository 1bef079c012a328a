package io.trafficmonitor.testing;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/**
 * Tokens of ServiceAccounts given a ClusterRole's rights, as a test hands them to whoever calls an
 * agent or the API server. Which account, role and binding is the caller's business: the role may
 * be the test's own or the chart's.
 */
public final class ServiceAccountTokens {
  private ServiceAccountTokens() {}

  /**
   * Applies ServiceAccount {@code namespace/account} and ClusterRoleBinding {@code binding} of it
   * to ClusterRole {@code role} (server-side: applying them again changes nothing).
   */
  public static void bindToClusterRole(
      KubernetesClient client, String namespace, String account, String role, String binding) {
    client
        .serviceAccounts()
        .inNamespace(namespace)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName(account).endMetadata().build())
        .serverSideApply();
    client
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(binding)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(account)
                .withNamespace(namespace)
                .endSubject()
                .build())
        .serverSideApply();
  }

  /**
   * A token of ServiceAccount {@code namespace/account} that lasts {@code lifetime}, for {@code
   * audiences} (none: the API server's).
   */
  public static String token(
      KubernetesClient client,
      String namespace,
      String account,
      Duration lifetime,
      String... audiences) {
    return client
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(account)
        .tokenRequest(
            new TokenRequestBuilder()
                .withNewSpec()
                .withExpirationSeconds(lifetime.toSeconds())
                .withAudiences(audiences)
                .endSpec()
                .build())
        .getStatus()
        .getToken();
  }
}
