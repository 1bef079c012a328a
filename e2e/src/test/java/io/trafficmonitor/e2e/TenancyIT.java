package io.trafficmonitor.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.testing.Await;
import io.trafficmonitor.testing.ClusterExtension;
import io.trafficmonitor.testing.Commands;
import io.trafficmonitor.testing.KubeBinaries;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.TestCluster;
import io.trafficmonitor.testing.Tools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tenancy as the API server enforces it, with real RBAC answers to impersonated users: the chart's
 * aggregated ClusterRoles give a namespace's {@code edit} users (alice in team-a) its
 * TrafficMonitors and its {@code view} users (bob) read access, and nothing else: no other
 * namespace, no ClusterTrafficMonitor, no node interfaces. Needs only an API server with RBAC and
 * the ClusterRole-aggregation controller (the local cluster has both).
 */
@ExtendWith(ClusterExtension.class)
class TenancyIT {
  private static final String RELEASE = "tenancy";
  private static final String TEAM_A = "team-a";
  private static final String TEAM_B = "team-b";
  private static final String GROUP = "trafficmonitor.io";
  private static final Duration LIMIT = Duration.ofSeconds(60);
  private static final ResourceDefinitionContext TM =
      new ResourceDefinitionContext.Builder()
          .withGroup(GROUP)
          .withVersion("v1alpha1")
          .withKind("TrafficMonitor")
          .withPlural("trafficmonitors")
          .withNamespaced(true)
          .build();
  private static final ResourceDefinitionContext CTM =
      new ResourceDefinitionContext.Builder()
          .withGroup(GROUP)
          .withVersion("v1alpha1")
          .withKind("ClusterTrafficMonitor")
          .withPlural("clustertrafficmonitors")
          .withNamespaced(false)
          .build();

  private static TestCluster cluster;
  private static KubernetesClient alice;
  private static KubernetesClient bob;

  @BeforeAll
  static void tenants(TestCluster c) {
    cluster = c;
    Tools.require(Tools.helm());
    Path crds = Tools.repoRoot().resolve("crds");
    cluster
        .kubectl(
            "apply",
            "--server-side",
            "--force-conflicts", // the API as this test needs it, whoever applied it before
            "-f",
            crds.resolve("trafficmonitors.trafficmonitor.io-v1.yml").toString(),
            "-f",
            crds.resolve("clustertrafficmonitors.trafficmonitor.io-v1.yml").toString())
        .orThrow();
    cluster
        .kubectl(
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/trafficmonitors." + GROUP,
            "crd/clustertrafficmonitors." + GROUP)
        .orThrow();
    cluster.kubectlWithInput(aggregatedRoles(), "apply", "-f", "-").orThrow();
    cluster
        .kubectlWithInput(
            """
            apiVersion: v1
            kind: Namespace
            metadata: {name: team-a}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: team-b}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: alice-edit, namespace: team-a}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
            subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: bob-view, namespace: team-a}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}]
            """,
            "apply",
            "-f",
            "-")
        .orThrow();
    Await.until(
        "the built-in admin, edit and view ClusterRoles aggregate the chart's rules",
        LIMIT,
        () -> List.of("admin", "edit", "view").stream().allMatch(TenancyIT::grantsTrafficMonitors),
        () -> "edit: " + cluster.client().rbac().clusterRoles().withName("edit").get());
    Await.until(
        "RBAC authorizes alice and bob by the aggregated rules",
        LIMIT,
        () -> allowed("alice", "create", TEAM_A) && allowed("bob", "watch", TEAM_A));

    // One monitor per namespace, made by an admin: the refusals below are not "not found".
    admin(TM).inNamespace(TEAM_A).resource(monitor("TrafficMonitor", "shared", "")).create();
    admin(TM).inNamespace(TEAM_B).resource(monitor("TrafficMonitor", "theirs", "")).create();
    cluster
        .kubectl(
            "patch",
            "trafficmonitor.trafficmonitor.io/shared",
            "-n",
            TEAM_A,
            "--subresource=status",
            "--type=merge",
            "-p",
            "{\"status\":{\"observedGeneration\":1}}")
        .orThrow();

    alice = as("alice");
    bob = as("bob");
  }

  @AfterAll
  static void clean() {
    if (alice != null) {
      alice.close();
    }
    if (bob != null) {
      bob.close();
    }
    if (cluster != null) {
      cluster.kubectl("delete", "namespace", TEAM_A, TEAM_B, "--ignore-not-found", "--wait=false");
      cluster.kubectlWithInput(aggregatedRoles(), "delete", "--ignore-not-found", "-f", "-");
    }
  }

  @Test
  void aliceManagesTrafficMonitorsInHerNamespaceAndReadsTheirStatus() {
    var mine = alice.genericKubernetesResources(TM).inNamespace(TEAM_A);
    mine.resource(monitor("TrafficMonitor", "alice-web", "")).create();
    assertThat(mine.withName("alice-web").get()).as("alice gets her monitor in team-a").isNotNull();
    mine.withName("alice-web")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"ports\":[\"8080\"]}}");
    assertThat(mine.withName("alice-web").get().<List<String>>get("spec", "ports"))
        .as("alice patched her monitor")
        .containsExactly("8080");
    assertThat(mine.list().getItems())
        .as("alice lists the monitors of team-a")
        .extracting(m -> m.getMetadata().getName())
        .contains("shared", "alice-web");

    ProcessResult status =
        cluster
            .kubectl(
                "get",
                "trafficmonitor.trafficmonitor.io/shared",
                "-n",
                TEAM_A,
                "--as=alice",
                "--subresource=status",
                "-o",
                "jsonpath={.status.observedGeneration}")
            .orThrow();
    assertThat(status.stdout()).as("alice reads the status of a team-a monitor").isEqualTo("1");
    forbidden(
        "alice cannot write a status (the operator and the agents own it)",
        () ->
            mine.withName("shared")
                .subresource("status")
                .patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"status\":{\"observedGeneration\":7}}"),
        "User \"alice\" cannot patch resource \"trafficmonitors/status\"");

    assertThat(mine.withName("alice-web").delete()).as("alice deletes her monitor").hasSize(1);
  }

  @Test
  void aliceReachesNoOtherNamespaceAndNotTheClusterScope() {
    var theirs = alice.genericKubernetesResources(TM).inNamespace(TEAM_B);
    String inTeamB = "in API group \"trafficmonitor.io\" in the namespace \"team-b\"";
    forbidden(
        "alice cannot create a monitor in team-b",
        () -> theirs.resource(monitor("TrafficMonitor", "sneaky", "")).create(),
        "User \"alice\" cannot create resource \"trafficmonitors\" " + inTeamB);
    forbidden(
        "alice cannot get team-b's monitor",
        () -> theirs.withName("theirs").get(),
        "User \"alice\" cannot get resource \"trafficmonitors\" " + inTeamB);
    forbidden(
        "alice cannot list team-b's monitors",
        theirs::list,
        "User \"alice\" cannot list resource \"trafficmonitors\" " + inTeamB);
    forbidden(
        "alice cannot list the monitors of every namespace",
        () -> alice.genericKubernetesResources(TM).inAnyNamespace().list(),
        "User \"alice\" cannot list resource \"trafficmonitors\" in API group"
            + " \"trafficmonitor.io\" at the cluster scope");
  }

  @Test
  void aliceCannotCreateOrListClusterTrafficMonitors() {
    forbidden(
        "alice cannot create a ClusterTrafficMonitor",
        () ->
            alice
                .genericKubernetesResources(CTM)
                .resource(monitor("ClusterTrafficMonitor", "alice-everything", ""))
                .create(),
        "User \"alice\" cannot create resource \"clustertrafficmonitors\"");
    forbidden(
        "alice cannot list ClusterTrafficMonitors",
        () -> alice.genericKubernetesResources(CTM).list(),
        "User \"alice\" cannot list resource \"clustertrafficmonitors\"");
  }

  @Test
  void aliceMonitorIsConfinedToHerNamespaceByTheApiServer() {
    String confined = namespacedOnlyMessage();
    assertThat(confined)
        .as("the CRD's rule names the kind to use instead")
        .contains("ClusterTrafficMonitor");
    var mine = alice.genericKubernetesResources(TM).inNamespace(TEAM_A);
    refused(
        422,
        "alice's monitor of the nodes' interfaces is refused though RBAC allows her to create",
        () ->
            mine.resource(monitor("TrafficMonitor", "alice-nodes", "interfaces: [eth0]")).create(),
        confined);
    refused(
        422,
        "alice's monitor of other namespaces is refused",
        () ->
            mine.resource(
                    monitor("TrafficMonitor", "alice-all", "namespaceSelector: {matchLabels: {}}"))
                .create(),
        confined);
    mine.resource(monitor("TrafficMonitor", "alice-later", "")).create();
    refused(
        422,
        "a namespaceSelector patched into alice's existing monitor is refused",
        () ->
            mine.withName("alice-later")
                .patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"namespaceSelector\":{\"matchLabels\":{\"team\":\"b\"}}}}"),
        confined);
    assertThat(mine.withName("alice-nodes").get()).as("nothing was stored").isNull();
    mine.withName("alice-later").delete();
  }

  @Test
  void bobReadsAndWatchesTeamAButWritesNothing() throws InterruptedException {
    var teamA = bob.genericKubernetesResources(TM).inNamespace(TEAM_A);
    assertThat(teamA.withName("shared").get()).as("bob gets team-a's monitor").isNotNull();
    assertThat(teamA.list().getItems())
        .as("bob lists team-a's monitors")
        .extracting(m -> m.getMetadata().getName())
        .contains("shared");
    CountDownLatch seen = new CountDownLatch(1);
    try (Watch watch =
        teamA.watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, GenericKubernetesResource r) {
                if (action == Action.ADDED && "shared".equals(r.getMetadata().getName())) {
                  seen.countDown();
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            })) {
      assertThat(seen.await(30, TimeUnit.SECONDS))
          .as("bob's watch of team-a delivers its monitor")
          .isTrue();
    }
    String inTeamA = "in API group \"trafficmonitor.io\" in the namespace \"team-a\"";
    forbidden(
        "bob cannot create a monitor",
        () -> teamA.resource(monitor("TrafficMonitor", "bobs", "")).create(),
        "User \"bob\" cannot create resource \"trafficmonitors\" " + inTeamA);
    forbidden(
        "bob cannot patch a monitor",
        () ->
            teamA
                .withName("shared")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"ports\":[\"22\"]}}"),
        "User \"bob\" cannot patch resource \"trafficmonitors\" " + inTeamA);
    forbidden(
        "bob cannot delete a monitor",
        () -> teamA.withName("shared").delete(),
        "User \"bob\" cannot delete resource \"trafficmonitors\" " + inTeamA);
    forbidden(
        "bob cannot list team-b's monitors",
        () -> bob.genericKubernetesResources(TM).inNamespace(TEAM_B).list(),
        "User \"bob\" cannot list resource \"trafficmonitors\"");
  }

  @Test
  void anAdminCreatesAClusterTrafficMonitor() {
    var pods =
        admin(CTM)
            .resource(
                monitor(
                    "ClusterTrafficMonitor",
                    "tenancy-pods",
                    "namespaceSelector: {matchLabels: {team: a}}"))
            .create();
    var nodes =
        admin(CTM)
            .resource(
                Serialization.unmarshal(
                    """
                    apiVersion: trafficmonitor.io/v1alpha1
                    kind: ClusterTrafficMonitor
                    metadata: {name: tenancy-nodes}
                    spec: {interfaces: [eth0]}
                    """,
                    GenericKubernetesResource.class))
            .create();
    try {
      assertThat(pods.<Map<String, Object>>get("spec", "namespaceSelector"))
          .as("a cluster admin's ClusterTrafficMonitor selects pods of other namespaces")
          .isNotNull();
      assertThat(nodes.<List<String>>get("spec", "interfaces"))
          .as("and another watches node interfaces")
          .containsExactly("eth0");
    } finally {
      admin(CTM).withName("tenancy-pods").delete();
      admin(CTM).withName("tenancy-nodes").delete();
    }
  }

  @Test
  void kubectlAuthCanIAnswersAsTheUsersSeeIt() {
    assertThat(canI("alice", "create", "trafficmonitors." + GROUP, "-n", TEAM_A))
        .as("alice may create monitors in team-a")
        .isEqualTo("yes");
    assertThat(canI("alice", "create", "trafficmonitors." + GROUP, "-n", TEAM_B))
        .as("alice may not create monitors in team-b")
        .isEqualTo("no");
    assertThat(canI("alice", "create", "clustertrafficmonitors." + GROUP))
        .as("alice may not create ClusterTrafficMonitors")
        .isEqualTo("no");
    assertThat(canI("bob", "delete", "trafficmonitors." + GROUP, "-n", TEAM_A))
        .as("bob may not delete monitors in team-a")
        .isEqualTo("no");
  }

  /** The chart's aggregated ClusterRoles, as {@code helm template --show-only} renders them. */
  private static String aggregatedRoles() {
    return Commands.run(
            LIMIT,
            List.of(
                Tools.helm().toString(),
                "template",
                RELEASE,
                Tools.repoRoot().resolve("charts/trafficmonitor").toString(),
                "--kube-version",
                KubeBinaries.KUBERNETES_VERSION,
                "--show-only",
                "templates/aggregate-roles.yaml"))
        .orThrow()
        .stdout();
  }

  private static boolean grantsTrafficMonitors(String clusterRole) {
    var role = cluster.client().rbac().clusterRoles().withName(clusterRole).get();
    return role != null
        && role.getRules().stream()
            .map(PolicyRule::getResources)
            .anyMatch(r -> r != null && r.contains("trafficmonitors"));
  }

  private static boolean allowed(String user, String verb, String namespace) {
    var review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(user)
            .withNewResourceAttributes()
            .withGroup(GROUP)
            .withResource("trafficmonitors")
            .withVerb(verb)
            .withNamespace(namespace)
            .endResourceAttributes()
            .endSpec()
            .build();
    return cluster
        .client()
        .authorization()
        .v1()
        .subjectAccessReview()
        .create(review)
        .getStatus()
        .getAllowed();
  }

  /** A client that acts as {@code user} (impersonation: the admin's certificate, her rights). */
  private static KubernetesClient as(String user) {
    return new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(cluster.config()).withImpersonateUsername(user).build())
        .build();
  }

  private static MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      admin(ResourceDefinitionContext kind) {
    return cluster.client().genericKubernetesResources(kind);
  }

  /** A monitor of the pods labelled app=web, with {@code extraSpec} (YAML at spec's indent). */
  private static GenericKubernetesResource monitor(String kind, String name, String extraSpec) {
    return Serialization.unmarshal(
        """
        apiVersion: trafficmonitor.io/v1alpha1
        kind: %s
        metadata: {name: %s}
        spec:
          podSelector: {matchLabels: {app: web}}
          %s
        """
            .formatted(kind, name, extraSpec),
        GenericKubernetesResource.class);
  }

  /** The message of the CRD's rule that keeps a TrafficMonitor to its own namespace. */
  @SuppressWarnings("unchecked")
  private static String namespacedOnlyMessage() {
    var crd =
        cluster
            .client()
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName("trafficmonitors." + GROUP)
            .get();
    return crd
        .getSpec()
        .getVersions()
        .get(0)
        .getSchema()
        .getOpenAPIV3Schema()
        .getXKubernetesValidations()
        .stream()
        .filter(v -> v.getRule().contains("spec.interfaces"))
        .map(v -> v.getMessage())
        .findFirst()
        .orElseThrow(() -> new AssertionError("the CRD has no rule on spec.interfaces"));
  }

  private static String canI(String user, String... args) {
    List<String> cmd = new ArrayList<>(List.of("auth", "can-i"));
    cmd.addAll(List.of(args));
    cmd.add("--as=" + user);
    return cluster.kubectl(cmd.toArray(String[]::new)).stdout().trim();
  }

  private static void forbidden(String what, ThrowingCallable call, String message) {
    refused(403, what, call, message);
  }

  private static void refused(int code, String what, ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .as(what)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).as(what + ": HTTP status").isEqualTo(code);
              assertThat(e.getMessage()).as(what + ": the API server's reason").contains(message);
            });
  }
}
