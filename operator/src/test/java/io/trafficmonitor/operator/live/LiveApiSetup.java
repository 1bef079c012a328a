package io.trafficmonitor.operator.live;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.api.live.LiveApi;
import io.trafficmonitor.testing.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/**
 * The live API's registration as the chart makes it, for a live API served outside the cluster's
 * pods (as {@link LiveApiIT} does): the Service {@code live} in {@code namespace} whose only
 * endpoint is {@code address:port}, and the APIService that trusts {@code ca}; and a user who may
 * read a monitor's live records.
 */
final class LiveApiSetup {
  private LiveApiSetup() {}

  /** Registers the APIService and waits until the API server finds it Available. */
  static void apiService(TestCluster cluster, String namespace, String address, int port, Path ca)
      throws IOException {
    KubernetesClient client = cluster.client();
    client
        .services()
        .inNamespace(namespace)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("live")
                .endMetadata()
                .withNewSpec()
                .addNewPort()
                .withName("live")
                .withPort(443)
                .withNewTargetPort(port)
                .endPort()
                .endSpec()
                .build())
        .serverSideApply();
    client
        .endpoints()
        .inNamespace(namespace)
        .resource(
            new EndpointsBuilder()
                .withNewMetadata()
                .withName("live")
                .endMetadata()
                .addNewSubset()
                .addNewAddress()
                .withIp(address)
                .endAddress()
                .addNewPort()
                .withName("live")
                .withPort(port)
                .endPort()
                .endSubset()
                .build())
        .serverSideApply();
    cluster
        .kubectlWithInput(
            String.format(
                "apiVersion: discovery.k8s.io/v1%n"
                    + "kind: EndpointSlice%n"
                    + "metadata: {name: live-1, namespace: %s,"
                    + " labels: {kubernetes.io/service-name: live}}%n"
                    + "addressType: IPv4%n"
                    + "endpoints: [{addresses: ['%s'], conditions: {ready: true}}]%n"
                    + "ports: [{name: live, port: %d, protocol: TCP}]%n",
                namespace, address, port),
            "apply",
            "-f",
            "-")
        .orThrow();
    cluster
        .kubectlWithInput(
            String.format(
                "apiVersion: apiregistration.k8s.io/v1%n"
                    + "kind: APIService%n"
                    + "metadata: {name: %s}%n"
                    + "spec: {group: %s, version: %s, groupPriorityMinimum: 1000,"
                    + " versionPriority: 15, service: {name: live, namespace: %s, port: 443},"
                    + " caBundle: %s}%n",
                LiveApi.API_SERVICE,
                LiveApi.GROUP,
                LiveApi.VERSION,
                namespace,
                Base64.getEncoder().encodeToString(Files.readAllBytes(ca))),
            "apply",
            "-f",
            "-")
        .orThrow();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster
                    .kubectl(
                        "get",
                        "apiservice",
                        LiveApi.API_SERVICE,
                        "-o",
                        "jsonpath={.status.conditions[?(@.type=='Available')].status}")
                    .stdout()
                    .strip()
                    .equals("True"));
  }

  /**
   * Lets {@code user} get the monitors of {@code namespace} and their live records, as the chart's
   * aggregated view role does.
   */
  static void reader(KubernetesClient client, String namespace, String user) {
    client
        .rbac()
        .roles()
        .inNamespace(namespace)
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName("live-reader")
                .endMetadata()
                .addToRules(
                    new PolicyRuleBuilder()
                        .withApiGroups(LiveApi.GROUP)
                        .withResources("trafficmonitors/" + LiveApi.SUBRESOURCE)
                        .withVerbs("get")
                        .build(),
                    new PolicyRuleBuilder()
                        .withApiGroups("trafficmonitor.io")
                        .withResources("trafficmonitors")
                        .withVerbs("get")
                        .build())
                .build())
        .serverSideApply();
    bind(client, namespace, "live-reader", user);
  }

  /** Binds Role {@code role} of {@code namespace} to {@code user}, as RoleBinding role-user. */
  static void bind(KubernetesClient client, String namespace, String role, String user) {
    client
        .rbac()
        .roleBindings()
        .inNamespace(namespace)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(role + "-" + user)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", role)
                .withSubjects(
                    new SubjectBuilder()
                        .withApiGroup("rbac.authorization.k8s.io")
                        .withKind("User")
                        .withName(user)
                        .build())
                .build())
        .serverSideApply();
  }
}
