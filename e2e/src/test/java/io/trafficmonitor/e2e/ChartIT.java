package io.trafficmonitor.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.access.AgentAudience;
import io.trafficmonitor.testing.ClusterExtension;
import io.trafficmonitor.testing.Commands;
import io.trafficmonitor.testing.KubeBinaries;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.PrometheusServer;
import io.trafficmonitor.testing.TestCluster;
import io.trafficmonitor.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Helm chart: it lints, its schema refuses bad values, its rendered manifests pass a
 * server-side dry run on the local cluster, and its alert rules pass promtool's check and unit
 * tests (every shipped alert, firing and not firing).
 */
@ExtendWith(ClusterExtension.class)
class ChartIT {
  private static final Duration LIMIT = Duration.ofMinutes(2);
  private static Path chart;
  private static Path work;

  @BeforeAll
  static void paths() throws IOException {
    Tools.require(Tools.helm());
    Tools.require(Tools.promtool());
    chart = Tools.repoRoot().resolve("charts/trafficmonitor");
    work = Files.createTempDirectory("tm-chart-");
  }

  @AfterAll
  static void clean() throws IOException {
    if (work != null) {
      try (var files = Files.list(work)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(work);
    }
  }

  /**
   * {@code helm} for the Kubernetes version the tests run (the chart's {@code kubeVersion} refuses
   * the v1.20 that a Helm built without its release flags assumes offline).
   */
  private static ProcessResult helm(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Tools.helm().toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--kube-version", KubeBinaries.KUBERNETES_VERSION));
    return Commands.run(LIMIT, cmd);
  }

  private static String render(String... sets) {
    List<String> args =
        new ArrayList<>(
            List.of("template", "tm", chart.toString(), "--namespace", "trafficmonitor"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return helm(args.toArray(String[]::new)).orThrow().stdout();
  }

  @Test
  void lintsAndItsSchemaRefusesBadValues() {
    assertThat(helm("lint", "--strict", chart.toString()).orThrow().stdout())
        .contains("1 chart(s) linted, 0 chart(s) failed");
    ProcessResult bad = helm("lint", chart.toString(), "--set", "operator.replicas=5");
    assertThat(bad.exitCode()).isNotZero();
    assertThat(bad.stdout() + bad.stderr()).contains("/operator/replicas", "maximum");
    ProcessResult typo =
        helm("template", "tm", chart.toString(), "--set", "agent.metricsPort=99999");
    assertThat(typo.exitCode()).isNotZero();
    assertThat(typo.stderr()).contains("/agent/metricsPort");
  }

  @Test
  void renderedManifestsPassServerSideDryRun(TestCluster cluster) throws IOException {
    try (InputStream in =
        getClass()
            .getResourceAsStream("/io/trafficmonitor/testing/crds/monitoring.coreos.com.yaml")) {
      cluster
          .kubectlWithInput(new String(in.readAllBytes()), "apply", "--server-side", "-f", "-")
          .orThrow();
    }
    cluster
        .kubectl(
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/prometheusrules.monitoring.coreos.com",
            "crd/servicemonitors.monitoring.coreos.com")
        .orThrow();
    cluster
        .kubectlWithInput(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: trafficmonitor}\n",
            "apply",
            "-f",
            "-")
        .orThrow();

    String rendered = render("prometheusRule.enabled=true", "serviceMonitor.enabled=true");
    ProcessResult dryRun =
        cluster.kubectlWithInput(rendered, "apply", "--dry-run=server", "-f", "-").orThrow();
    assertThat(dryRun.stdout())
        .contains(
            "customresourcedefinition.apiextensions.k8s.io/trafficmonitors.trafficmonitor.io"
                + " created (server dry run)",
            "customresourcedefinition.apiextensions.k8s.io/clustertrafficmonitors.trafficmonitor.io"
                + " created (server dry run)",
            "deployment.apps/tm-operator created (server dry run)",
            "serviceaccount/tm-operator created (server dry run)",
            "serviceaccount/tm-agent created (server dry run)",
            "role.rbac.authorization.k8s.io/tm-operator created (server dry run)",
            "rolebinding.rbac.authorization.k8s.io/tm-operator created (server dry run)",
            "role.rbac.authorization.k8s.io/tm-agent created (server dry run)",
            "rolebinding.rbac.authorization.k8s.io/tm-agent created (server dry run)",
            "clusterrole.rbac.authorization.k8s.io/tm-agent created (server dry run)",
            "clusterrolebinding.rbac.authorization.k8s.io/tm-agent created (server dry run)",
            "clusterrole.rbac.authorization.k8s.io/tm-metrics-reader created (server dry run)",
            "service/tm-agent-metrics created (server dry run)",
            "prometheusrule.monitoring.coreos.com/tm-alerts created (server dry run)",
            "servicemonitor.monitoring.coreos.com/tm-agents created (server dry run)",
            "configmap/tm-dashboard created (server dry run)",
            "secret/tm-operator-live-tls created (server dry run)",
            "secret/tm-agent-tls created (server dry run)",
            "service/tm-operator-live created (server dry run)",
            "apiservice.apiregistration.k8s.io/v1alpha1.live.trafficmonitor.io created (server dry"
                + " run)",
            "rolebinding.rbac.authorization.k8s.io/tm-operator-auth-reader created (server dry"
                + " run)");

    // Nothing was created by the dry run.
    assertThat(
            cluster.client().apps().deployments().inNamespace("trafficmonitor").list().getItems())
        .isEmpty();
  }

  /** The rendered objects. */
  private static List<GenericKubernetesResource> objects(String rendered) {
    List<GenericKubernetesResource> objects = new ArrayList<>();
    for (String doc : rendered.split("(?m)^---$")) {
      if (!doc.isBlank()) {
        Map<String, Object> m = Serialization.unmarshal(doc, Map.class);
        if (m != null) {
          objects.add(
              Serialization.unmarshal(Serialization.asJson(m), GenericKubernetesResource.class));
        }
      }
    }
    return objects;
  }

  private static List<GenericKubernetesResource> ofKind(
      List<GenericKubernetesResource> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
  }

  private static GenericKubernetesResource find(
      List<GenericKubernetesResource> objects, String kind, String name) {
    return ofKind(objects, kind).stream()
        .filter(o -> name.equals(o.getMetadata().getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
  }

  private static List<Map<String, Object>> rules(GenericKubernetesResource role) {
    return role.<List<Map<String, Object>>>get("rules");
  }

  /** The resources of a rule; none in a rule of non-resource URLs. */
  @SuppressWarnings("unchecked")
  private static List<String> resources(Map<String, Object> rule) {
    return (List<String>) rule.getOrDefault("resources", List.of());
  }

  @Test
  void operatorRunsRestricted() {
    GenericKubernetesResource dep = ofKind(objects(render()), "Deployment").get(0);
    Map<String, Object> container =
        dep.<List<Map<String, Object>>>get("spec", "template", "spec", "containers").get(0);
    assertThat(dep.<Boolean>get("spec", "template", "spec", "securityContext", "runAsNonRoot"))
        .isTrue();
    assertThat(container.get("securityContext").toString())
        .contains("allowPrivilegeEscalation=false", "readOnlyRootFilesystem=true", "drop=[ALL]");
    // A read-only root needs a writable /tmp (the JVM, Vert.x' file cache).
    assertThat(container.get("volumeMounts").toString()).contains("mountPath=/tmp");
    assertThat(dep.<Object>get("spec", "template", "spec", "affinity").toString())
        .contains("key=kubernetes.io/arch", "values=[amd64]");
  }

  /**
   * The CRDs are templates of the chart, so that {@code helm upgrade} upgrades them (Helm never
   * upgrades a chart's {@code crds/}), one per kind, kept when the release is uninstalled; {@code
   * crds.enabled=false} leaves them to whoever manages CRDs apart.
   */
  @Test
  void theCrdsAreUpgradedWithTheReleaseAndKeptOnUninstall() {
    List<GenericKubernetesResource> crds = ofKind(objects(render()), "CustomResourceDefinition");
    assertThat(crds)
        .extracting(c -> c.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "trafficmonitors.trafficmonitor.io", "clustertrafficmonitors.trafficmonitor.io");
    assertThat(crds)
        .allSatisfy(
            c ->
                assertThat(c.getMetadata().getAnnotations())
                    .containsEntry("helm.sh/resource-policy", "keep"));
    assertThat(Files.exists(chart.resolve("crds")))
        .as("no crds/ that Helm would never upgrade")
        .isFalse();
    assertThat(ofKind(objects(render("crds.enabled=false")), "CustomResourceDefinition")).isEmpty();
  }

  /**
   * On a real API server: {@code helm upgrade} brings a CRD the installed chart did not have (as
   * the ClusterTrafficMonitor kind came to releases of the first edition), Helm owns both, and
   * {@code helm uninstall} leaves them.
   */
  @Test
  void helmUpgradeBringsTheCrdsAndUninstallKeepsThem(TestCluster cluster) throws IOException {
    Path old = Files.createTempDirectory("tm-old-chart-");
    try {
      copyTree(chart, old);
      Files.delete(old.resolve("templates/crd-clustertrafficmonitors.yaml"));
      String[] sets = {
        "--set",
        "liveApi.enabled=false",
        "--set",
        "prometheusRule.enabled=false",
        "--set",
        "dashboard.enabled=false"
      };
      release(cluster, "install", old, sets).orThrow();
      assertThat(crd(cluster, "clustertrafficmonitors")).isEmpty();
      release(cluster, "upgrade", chart, sets).orThrow();
      for (String kind : List.of("trafficmonitors", "clustertrafficmonitors")) {
        assertThat(crd(cluster, kind)).as(kind).contains("managed-by=Helm");
      }
      Commands.run(
              LIMIT,
              List.of(
                  Tools.helm().toString(),
                  "--kubeconfig=" + cluster.kubeconfig(),
                  "uninstall",
                  "tmu",
                  "-n",
                  "tm-upgrade",
                  "--wait"))
          .orThrow();
      for (String kind : List.of("trafficmonitors", "clustertrafficmonitors")) {
        assertThat(crd(cluster, kind)).as(kind + " after uninstall").isNotEmpty();
      }
    } finally {
      // the kept CRDs go, so that the cluster's next test installs the API as it needs it
      cluster.kubectl(
          "delete",
          "crd",
          "trafficmonitors.trafficmonitor.io",
          "clustertrafficmonitors.trafficmonitor.io",
          "--ignore-not-found",
          "--wait");
      cluster.kubectl("delete", "namespace", "tm-upgrade", "--ignore-not-found", "--wait=false");
      try (var files = Files.walk(old)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }

  private static ProcessResult release(
      TestCluster cluster, String verb, Path from, String... sets) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Tools.helm().toString(),
                "--kubeconfig=" + cluster.kubeconfig(),
                verb,
                "tmu",
                from.toString(),
                "-n",
                "tm-upgrade",
                "--create-namespace"));
    cmd.addAll(List.of(sets));
    return Commands.run(LIMIT, cmd);
  }

  /** The CRD {@code <plural>.trafficmonitor.io}'s name and labels, or "" when there is none. */
  private static String crd(TestCluster cluster, String plural) {
    ProcessResult r =
        cluster.kubectl(
            "get", "crd", plural + ".trafficmonitor.io", "--ignore-not-found", "--show-labels");
    return r.orThrow().stdout().strip();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }

  /**
   * The operator sends the agents a token of their own audience, projected where it reads it, and
   * nothing in its pod mounts another Secret's token for them.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theOperatorHasATokenOnlyTheAgentsAccept() {
    Map<String, Object> pod =
        ofKind(objects(render()), "Deployment").get(0).get("spec", "template", "spec");
    Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
    Map<String, Object> mount =
        ((List<Map<String, Object>>) container.get("volumeMounts"))
            .stream().filter(m -> "agent-token".equals(m.get("name"))).findFirst().orElseThrow();
    Path file = AgentAudience.OPERATOR_TOKEN_FILE;
    assertThat(mount.get("mountPath")).isEqualTo(file.getParent().toString());
    Map<String, Object> volume =
        ((List<Map<String, Object>>) pod.get("volumes"))
            .stream().filter(v -> "agent-token".equals(v.get("name"))).findFirst().orElseThrow();
    Map<String, Object> projected =
        ((List<Map<String, Object>>) ((Map<String, Object>) volume.get("projected")).get("sources"))
            .get(0);
    Map<String, Object> token = (Map<String, Object>) projected.get("serviceAccountToken");
    assertThat(token.get("audience")).isEqualTo(AgentAudience.AUDIENCE);
    assertThat(token.get("path")).isEqualTo(file.getFileName().toString());
  }

  @Test
  void oneVersionForTheChartTheImagesAndTheJars() throws IOException {
    String pom = Files.readString(Tools.repoRoot().resolve("pom.xml"));
    Matcher m =
        Pattern.compile("<artifactId>trafficmonitor-parent</artifactId>\\s*<version>([^<]+)<")
            .matcher(pom);
    String version = m.find() ? m.group(1) : null;
    assertThat(version).as("the root pom's version").isNotNull();
    Map<String, Object> meta =
        Serialization.unmarshal(Files.readString(chart.resolve("Chart.yaml")), Map.class);
    assertThat(meta.get("version")).isEqualTo(version);
    assertThat(meta.get("appVersion")).isEqualTo(version);
    String rendered = render();
    assertThat(rendered)
        .contains("image: localhost/trafficmonitor/operator:" + version)
        .contains("value: localhost/trafficmonitor/node-agent:" + version);
  }

  @Test
  void theSeriesBudgetReachesTheOperatorAsAWholeNumber() {
    assertThat(render())
        .contains("name: TRAFFICMONITOR_AGENT_MAX_SERIES\n              value: \"25000\"");
    assertThat(render("agent.maxSeries=1000000"))
        .contains("name: TRAFFICMONITOR_AGENT_MAX_SERIES\n              value: \"1000000\"");
    ProcessResult small = helm("template", "tm", chart.toString(), "--set", "agent.maxSeries=99");
    assertThat(small.exitCode()).isNotZero();
    assertThat(small.stderr()).contains("/agent/maxSeries");
  }

  @Test
  void agentPlacementReachesTheOperator() {
    String rendered =
        render(
            "agent.priorityClassName=system-node-critical",
            "agent.tolerations[0].operator=Exists",
            "agent.nodeSelector.role=edge");
    assertThat(rendered)
        .contains(
            "name: TRAFFICMONITOR_OPERATOR_NAMESPACE\n              valueFrom:\n"
                + "                fieldRef: {fieldPath: metadata.namespace}")
        .contains("name: TRAFFICMONITOR_OPERATOR_DEPLOYMENT\n              value: tm-operator")
        .contains("name: TRAFFICMONITOR_AGENT_SERVICE_ACCOUNT\n              value: tm-agent")
        .contains(
            "name: TRAFFICMONITOR_AGENT_NODE_SELECTOR\n"
                + "              value: \"{\\\"role\\\":\\\"edge\\\"}\"")
        .contains(
            "name: TRAFFICMONITOR_AGENT_PRIORITY_CLASS_NAME\n              value: \"system-node-critical\"")
        .contains(
            "name: TRAFFICMONITOR_AGENT_TOLERATIONS\n              value: \"[{\\\"operator\\\":\\\"Exists\\\"}]\"")
        .contains("name: TRAFFICMONITOR_AGENT_ARCHITECTURES\n              value: \"amd64\"");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theOperatorWritesAgentsOnlyInItsOwnNamespace() {
    List<GenericKubernetesResource> objects = objects(render());
    List<Map<String, Object>> cluster = rules(find(objects, "ClusterRole", "tm-operator"));
    assertThat(cluster)
        .allSatisfy(
            r -> {
              assertThat((List<String>) r.get("resources"))
                  .doesNotContain("serviceaccounts", "rolebindings", "clusterroles", "daemonsets");
              assertThat((List<String>) r.get("verbs")).doesNotContain("bind", "escalate");
            });
    // What names peers (pods, Services, ReplicaSets, Jobs) is only read.
    assertThat(cluster)
        .filteredOn(
            r ->
                !Collections.disjoint(
                    (List<String>) r.get("resources"),
                    List.of("pods", "services", "replicasets", "jobs")))
        .hasSize(3)
        .allSatisfy(
            r -> assertThat((List<String>) r.get("verbs")).containsExactly("list", "watch"));
    // No ClusterRole of the chart reaches DaemonSets: the operator's Role does, in its namespace.
    assertThat(ofKind(objects, "ClusterRole"))
        .flatExtracting(ChartIT::rules)
        .noneMatch(r -> resources(r).contains("daemonsets"));
    GenericKubernetesResource role = find(objects, "Role", "tm-operator");
    assertThat(role.getMetadata().getNamespace()).isEqualTo("trafficmonitor");
    assertThat(rules(role))
        .anySatisfy(
            r -> {
              assertThat((List<String>) r.get("resources")).containsExactly("daemonsets");
              assertThat((List<String>) r.get("verbs"))
                  .doesNotContain("delete", "deletecollection");
            })
        .anySatisfy(
            r -> {
              assertThat((List<String>) r.get("resources")).containsExactly("deployments");
              assertThat((List<String>) r.get("verbs")).containsExactly("get");
              assertThat((List<String>) r.get("resourceNames")).containsExactly("tm-operator");
            });
    GenericKubernetesResource binding = find(objects, "RoleBinding", "tm-operator");
    assertThat(binding.getMetadata().getNamespace()).isEqualTo("trafficmonitor");
    assertThat(binding.<String>get("roleRef", "kind")).isEqualTo("Role");
  }

  @Test
  void theAgentsHaveTheirIdentityAndClusterWideReadRights() {
    List<GenericKubernetesResource> objects = objects(render());
    assertThat(find(objects, "ServiceAccount", "tm-agent").getMetadata().getNamespace())
        .isEqualTo("trafficmonitor");
    GenericKubernetesResource binding = find(objects, "ClusterRoleBinding", "tm-agent");
    assertThat(binding.<String>get("roleRef", "name")).isEqualTo("tm-agent");
    assertThat(binding.<List<Map<String, Object>>>get("subjects"))
        .singleElement()
        .satisfies(
            s ->
                assertThat(s)
                    .containsEntry("kind", "ServiceAccount")
                    .containsEntry("name", "tm-agent")
                    .containsEntry("namespace", "trafficmonitor"));
    assertThat(rules(find(objects, "ClusterRole", "tm-agent")))
        .extracting(r -> r.get("apiGroups") + " " + r.get("resources") + " " + r.get("verbs"))
        .containsExactly(
            "[trafficmonitor.io] [trafficmonitors, clustertrafficmonitors] [get, list, watch]",
            // no status: the operator pulls the agents' figures and writes every status itself
            "[] [pods, namespaces, nodes] [get, list, watch]",
            // names of peers (spec.flows.peers), read only
            "[] [services] [list, watch]",
            "[apps] [replicasets] [list, watch]",
            "[batch] [jobs] [list, watch]",
            "[] [events] [create, patch]",
            // who reads from the agent (records, entries, /metrics): the caller's token and RBAC
            "[authentication.k8s.io] [tokenreviews] [create]",
            "[authorization.k8s.io] [subjectaccessreviews] [create]");
  }

  /**
   * The tenants' aggregated ClusterRoles reach namespaced TrafficMonitors only: nothing on
   * ClusterTrafficMonitors, nothing cluster-scoped, no write to the status, bound by no binding of
   * the chart (a namespace's RoleBinding to admin, edit or view brings them in).
   */
  @Test
  @SuppressWarnings("unchecked")
  void tenantRolesAggregateOnlyNamespacedTrafficMonitors() throws IOException {
    List<GenericKubernetesResource> objects = objects(render());
    assertThat(
            find(objects, "CustomResourceDefinition", "trafficmonitors.trafficmonitor.io")
                .<String>get("spec", "scope"))
        .as("trafficmonitors are namespaced")
        .isEqualTo("Namespaced");

    List<GenericKubernetesResource> aggregated =
        ofKind(objects, "ClusterRole").stream()
            .filter(
                r ->
                    r.getMetadata().getLabels().keySet().stream()
                        .anyMatch(k -> k.startsWith("rbac.authorization.k8s.io/aggregate-to-")))
            .toList();
    assertThat(aggregated)
        .as("the aggregated roles")
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "tm-trafficmonitors-edit", "tm-trafficmonitors-view", "tm-trafficmonitors-live");
    // Watching a namespace's monitors live (kubectl trafficmonitor): the live API's subresource of
    // namespaced TrafficMonitors only, for admin, edit and view; the operator then checks the
    // caller's right to get the monitor itself.
    assertThat(rules(find(objects, "ClusterRole", "tm-trafficmonitors-live")))
        .extracting(r -> r.get("apiGroups") + " " + r.get("resources") + " " + r.get("verbs"))
        .containsExactly(
            "[live.trafficmonitor.io] [trafficmonitors/intervals, trafficmonitors/realtime,"
                + " trafficmonitors/summary] [get]");
    aggregated =
        aggregated.stream()
            .filter(r -> !r.getMetadata().getName().equals("tm-trafficmonitors-live"))
            .toList();
    assertThat(find(objects, "ClusterRole", "tm-trafficmonitors-edit").getMetadata().getLabels())
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-admin", "true")
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true")
        .doesNotContainKey("rbac.authorization.k8s.io/aggregate-to-view");
    assertThat(find(objects, "ClusterRole", "tm-trafficmonitors-view").getMetadata().getLabels())
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true")
        .doesNotContainKeys(
            "rbac.authorization.k8s.io/aggregate-to-admin",
            "rbac.authorization.k8s.io/aggregate-to-edit");
    assertThat(aggregated)
        .flatExtracting(ChartIT::rules)
        .as("aggregated rules: namespaced TrafficMonitors and their status, nothing else")
        .allSatisfy(
            r -> {
              assertThat(r).doesNotContainKeys("nonResourceURLs", "resourceNames");
              assertThat((List<String>) r.get("apiGroups")).containsExactly("trafficmonitor.io");
              assertThat((List<String>) r.get("resources"))
                  .isSubsetOf("trafficmonitors", "trafficmonitors/status")
                  .doesNotContain("clustertrafficmonitors", "clustertrafficmonitors/status");
              assertThat((List<String>) r.get("verbs")).doesNotContain("*", "bind", "escalate");
            });
    assertThat(rules(find(objects, "ClusterRole", "tm-trafficmonitors-edit")))
        .extracting(r -> r.get("resources") + " " + r.get("verbs"))
        .containsExactly(
            "[trafficmonitors] [create, delete, deletecollection, get, list, patch, update, watch]",
            "[trafficmonitors/status] [get]");
    assertThat(rules(find(objects, "ClusterRole", "tm-trafficmonitors-view")))
        .extracting(r -> r.get("resources") + " " + r.get("verbs"))
        .containsExactly("[trafficmonitors, trafficmonitors/status] [get, list, watch]");
    assertThat(ofKind(objects, "ClusterRoleBinding"))
        .as("no binding of the chart grants the tenants' roles cluster-wide")
        .noneMatch(b -> b.<String>get("roleRef", "name").startsWith("tm-trafficmonitors-"));

    assertThat(render("rbac.aggregateToDefaultRoles=false"))
        .as("rbac.aggregateToDefaultRoles=false adds nothing to the built-in roles")
        .doesNotContain("aggregate-to-", "tm-trafficmonitors-");
  }

  /**
   * An agent may read its own DaemonSet, and nothing else, in the release namespace: at shutdown it
   * keeps its pinned BPF state unless the DaemonSet is gone or being deleted (an uninstall).
   */
  @Test
  void theAgentsMayReadTheirOwnDaemonSetOnly() {
    List<GenericKubernetesResource> objects = objects(render());
    GenericKubernetesResource role = find(objects, "Role", "tm-agent");
    assertThat(role.getMetadata().getNamespace()).isEqualTo("trafficmonitor");
    assertThat(rules(role))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r)
                    .containsEntry("apiGroups", List.of("apps"))
                    .containsEntry("resources", List.of("daemonsets"))
                    .containsEntry("verbs", List.of("get"))
                    .containsEntry("resourceNames", List.of("trafficmonitor-agent")));
    GenericKubernetesResource binding = find(objects, "RoleBinding", "tm-agent");
    assertThat(binding.getMetadata().getNamespace()).isEqualTo("trafficmonitor");
    assertThat(binding.<String>get("roleRef", "kind")).isEqualTo("Role");
    assertThat(binding.<String>get("roleRef", "name")).isEqualTo("tm-agent");
    assertThat(binding.<List<Map<String, Object>>>get("subjects"))
        .singleElement()
        .satisfies(
            s ->
                assertThat(s)
                    .containsEntry("kind", "ServiceAccount")
                    .containsEntry("name", "tm-agent")
                    .containsEntry("namespace", "trafficmonitor"));
  }

  /**
   * Two operator replicas by default, spread over nodes where they can be, electing their leader
   * with a Lease of the release namespace; the operator reconciles both monitor kinds.
   */
  @Test
  @SuppressWarnings("unchecked")
  void twoOperatorReplicasElectALeaderInTheReleaseNamespace() {
    List<GenericKubernetesResource> objects = objects(render());
    GenericKubernetesResource dep = find(objects, "Deployment", "tm-operator");
    assertThat(dep.<Integer>get("spec", "replicas")).isEqualTo(2);
    assertThat(
            dep.<Object>get("spec", "template", "spec", "affinity", "podAntiAffinity").toString())
        .contains(
            "topologyKey=kubernetes.io/hostname", "app.kubernetes.io/name=trafficmonitor-operator");
    assertThat(objects(render("operator.replicas=1")))
        .filteredOn(o -> "Deployment".equals(o.getKind()))
        .singleElement()
        .satisfies(d -> assertThat(d.<Integer>get("spec", "replicas")).isEqualTo(1));
    ProcessResult three = helm("lint", chart.toString(), "--set", "operator.replicas=3");
    assertThat(three.exitCode()).isNotZero();
    assertThat(render())
        .as("each replica is named after its pod in the Lease")
        .contains(
            "name: TRAFFICMONITOR_OPERATOR_IDENTITY\n              valueFrom:\n"
                + "                fieldRef: {fieldPath: metadata.name}");

    assertThat(rules(find(objects, "Role", "tm-operator")))
        .filteredOn(r -> ((List<String>) r.get("resources")).contains("leases"))
        .extracting(r -> r.get("verbs") + " " + r.get("resourceNames"))
        .containsExactly("[create] null", "[get, update, patch] [trafficmonitor-operator]");
    assertThat(ofKind(objects, "ClusterRole"))
        .flatExtracting(ChartIT::rules)
        .noneMatch(r -> resources(r).contains("leases"));
    assertThat(rules(find(objects, "ClusterRole", "tm-operator")))
        .flatExtracting(r -> (List<String>) r.get("resources"))
        .contains(
            "clustertrafficmonitors",
            "clustertrafficmonitors/status",
            "clustertrafficmonitors/finalizers");
  }

  @Test
  void oneServiceMonitorScrapesEachAgentOnceThroughOneService() {
    List<GenericKubernetesResource> objects = objects(render("serviceMonitor.enabled=true"));
    GenericKubernetesResource service = find(objects, "Service", "tm-agent-metrics");
    assertThat(service.getMetadata().getNamespace()).isEqualTo("trafficmonitor");
    assertThat(service.<String>get("spec", "clusterIP")).isEqualTo("None");
    assertThat(service.<Map<String, String>>get("spec", "selector"))
        .isEqualTo(Map.of("app.kubernetes.io/name", "trafficmonitor-agent"));
    assertThat(service.<List<Map<String, Object>>>get("spec", "ports"))
        .singleElement()
        .satisfies(p -> assertThat(p).containsEntry("name", "metrics").containsEntry("port", 9400));
    // No other Service selects the agents.
    assertThat(ofKind(objects, "Service"))
        .filteredOn(
            s ->
                "trafficmonitor-agent"
                    .equals(s.<String>get("spec", "selector", "app.kubernetes.io/name")))
        .containsExactly(service);

    GenericKubernetesResource monitor = ofKind(objects, "ServiceMonitor").get(0);
    assertThat(ofKind(objects, "ServiceMonitor")).hasSize(1);
    assertThat(monitor.<List<String>>get("spec", "namespaceSelector", "matchNames"))
        .containsExactly("trafficmonitor");
    assertThat(service.getMetadata().getLabels())
        .containsAllEntriesOf(monitor.<Map<String, String>>get("spec", "selector", "matchLabels"));
    assertThat(monitor.<List<Map<String, Object>>>get("spec", "endpoints"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e)
                    .containsEntry("port", "metrics")
                    .containsEntry("path", "/metrics")
                    // an agent serves /metrics only to a token: Prometheus' own
                    .containsEntry(
                        "bearerTokenFile", "/var/run/secrets/kubernetes.io/serviceaccount/token")
                    // the agents' HTTPS: the chart's CA, for the Service's name
                    .containsEntry("scheme", "https")
                    .containsEntry(
                        "tlsConfig",
                        Map.of(
                            "ca",
                            Map.of("secret", Map.of("name", "tm-agent-tls", "key", "ca.crt")),
                            "serverName",
                            "tm-agent-metrics.trafficmonitor.svc")));
    // The job is trafficmonitor-agent whatever the release's name, as the shipped alerts expect.
    assertThat(monitor.<String>get("spec", "jobLabel")).isEqualTo("app.kubernetes.io/name");
  }

  /**
   * What the Prometheus Operator makes of the chart's ServiceMonitor ({@link ServiceMonitorScrape},
   * which RealNodesE2E scrapes the agents with) is a configuration that the Prometheus of the tests
   * loads, discovering through the cluster, and it sends Prometheus' ServiceAccount token from its
   * file.
   */
  @Test
  void theServiceMonitorIsAScrapeConfigPrometheusLoads(TestCluster cluster) throws IOException {
    List<GenericKubernetesResource> objects = objects(render("serviceMonitor.enabled=true"));
    GenericKubernetesResource monitor = ofKind(objects, "ServiceMonitor").get(0);
    Path token = Files.writeString(work.resolve("token"), "t");
    String scrape =
        ServiceMonitorScrape.scrapeConfig(
            monitor,
            cluster.kubeconfig(),
            token,
            (name, key) -> {
              Map<String, String> data = find(objects, "Secret", name).get("data");
              try {
                return Files.write(
                    work.resolve(name + "-" + key), Base64.getDecoder().decode(data.get(key)));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    Path ca = work.resolve("tm-agent-tls-ca.crt");
    assertThat(scrape)
        .contains("metrics_path: /metrics")
        .contains("authorization: {type: Bearer, credentials_file: '" + token + "'}")
        .contains("scheme: https")
        .contains(
            "tls_config: {ca_file: '"
                + ca
                + "', server_name: 'tm-agent-metrics.trafficmonitor.svc'}");
    assertThat(Files.readString(ca)).startsWith("-----BEGIN CERTIFICATE-----");
    // Fails unless Prometheus takes the configuration and becomes ready.
    try (PrometheusServer prometheus =
        PrometheusServer.startWith(
            scrape, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of())) {
      assertThat(prometheus.targetHealth()).as("no agent runs here").isEmpty();
    }
  }

  /**
   * serviceMonitor.tokenSecret: the ServiceMonitor sends a Secret's token as its authorization, not
   * a file (a Prometheus that refuses files for ServiceMonitors), which the Prometheus Operator
   * makes the scrape's credentials.
   */
  @Test
  void theServiceMonitorCanSendASecretsToken() throws IOException {
    List<GenericKubernetesResource> objects =
        objects(
            render(
                "serviceMonitor.enabled=true",
                "serviceMonitor.tokenSecret.name=prometheus-agent-token"));
    Map<String, Object> endpoint =
        ofKind(objects, "ServiceMonitor")
            .get(0)
            .<List<Map<String, Object>>>get("spec", "endpoints")
            .get(0);
    assertThat(endpoint)
        .doesNotContainKey("bearerTokenFile")
        .containsEntry(
            "authorization",
            Map.of(
                "type",
                "Bearer",
                "credentials",
                Map.of("name", "prometheus-agent-token", "key", "token")));
    Path token = Files.writeString(work.resolve("secret-token"), "t");
    String scrape =
        ServiceMonitorScrape.scrapeConfig(
            ofKind(objects, "ServiceMonitor").get(0),
            work.resolve("kubeconfig"),
            null,
            (name, key) -> name.equals("prometheus-agent-token") ? token : work.resolve("ca"));
    assertThat(scrape).contains("authorization: {type: Bearer, credentials_file: '" + token + "'}");
    ProcessResult keyAlone =
        helm(
            "template",
            "tm",
            chart.toString(),
            "--set",
            "serviceMonitor.enabled=true",
            "--set",
            "serviceMonitor.tokenSecret.key=token");
    assertThat(keyAlone.exitCode()).isNotZero();
    assertThat(keyAlone.stderr()).contains("/serviceMonitor/tokenSecret");
  }

  /**
   * The agents' serving certificate: a kubernetes.io/tls Secret with the CA, for the agent metrics
   * Service's name, that the operator is told to mount into the agents and whose CA alone it mounts
   * itself; with agent.tls.enabled=false none of it, and the ServiceMonitor scrapes plain HTTP.
   */
  @Test
  void theAgentsServeHttpsWithTheChartsCertificate() throws Exception {
    List<GenericKubernetesResource> objects = objects(render("serviceMonitor.enabled=true"));
    GenericKubernetesResource secret = find(objects, "Secret", "tm-agent-tls");
    assertThat(secret.<String>get("type")).isEqualTo("kubernetes.io/tls");
    Map<String, String> data = secret.get("data");
    assertThat(data).containsOnlyKeys("tls.crt", "tls.key", "ca.crt");
    var x509 = CertificateFactory.getInstance("X.509");
    var cert =
        (X509Certificate)
            x509.generateCertificate(
                new ByteArrayInputStream(Base64.getDecoder().decode(data.get("tls.crt"))));
    var ca =
        (X509Certificate)
            x509.generateCertificate(
                new ByteArrayInputStream(Base64.getDecoder().decode(data.get("ca.crt"))));
    cert.verify(ca.getPublicKey());
    assertThat(cert.getSubjectAlternativeNames().stream().map(n -> (Object) n.get(1)).toList())
        .contains("tm-agent-metrics.trafficmonitor.svc");
    // ECDSA: the cheaper handshake (docs/benchmarks/agent-tls.md), the key as PEM the agent reads
    assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(ca.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(
            new String(Base64.getDecoder().decode(data.get("tls.key")), StandardCharsets.US_ASCII))
        .startsWith("-----BEGIN EC PRIVATE KEY-----");

    GenericKubernetesResource operator = find(objects, "Deployment", "tm-operator");
    String deployment = Serialization.asYaml(operator);
    assertThat(deployment)
        .contains("TRAFFICMONITOR_AGENT_TLS_SECRET", "tm-agent-tls")
        .contains("TRAFFICMONITOR_AGENT_TLS_SERVER_NAME", "tm-agent-metrics.trafficmonitor.svc")
        .contains("TRAFFICMONITOR_AGENT_TLS_CA_FILE", "/etc/trafficmonitor/agent-ca/ca.crt");
    // the operator gets the CA only, not the agents' key
    assertThat(operator.<List<Map<String, Object>>>get("spec", "template", "spec", "volumes"))
        .filteredOn(v -> "agent-ca".equals(v.get("name")))
        .singleElement()
        .satisfies(
            v ->
                assertThat(v.get("secret"))
                    .isEqualTo(
                        Map.of(
                            "secretName",
                            "tm-agent-tls",
                            "items",
                            List.of(Map.of("key", "ca.crt", "path", "ca.crt")))));

    List<GenericKubernetesResource> plain =
        objects(render("serviceMonitor.enabled=true", "agent.tls.enabled=false"));
    assertThat(ofKind(plain, "Secret"))
        .noneMatch(s -> "tm-agent-tls".equals(s.getMetadata().getName()));
    assertThat(Serialization.asYaml(find(plain, "Deployment", "tm-operator")))
        .doesNotContain("TRAFFICMONITOR_AGENT_TLS");
    assertThat(
            ofKind(plain, "ServiceMonitor")
                .get(0)
                .<List<Map<String, Object>>>get("spec", "endpoints"))
        .singleElement()
        .satisfies(e -> assertThat(e).doesNotContainKeys("scheme", "tlsConfig"));
  }

  /**
   * The right an agent asks of whoever scrapes it, as one ClusterRole that other scrapers can be
   * bound to: get on the non-resource URL /metrics and nothing else, made whether or not the
   * ServiceMonitor is, bound by no binding of the chart.
   */
  @Test
  void aMetricsReaderRoleGrantsGetOnMetricsOnly() {
    for (String serviceMonitor : List.of("false", "true")) {
      List<GenericKubernetesResource> objects =
          objects(render("serviceMonitor.enabled=" + serviceMonitor));
      GenericKubernetesResource role = find(objects, "ClusterRole", "tm-metrics-reader");
      assertThat(role.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/instance", "tm")
          .doesNotContainKeys(
              "rbac.authorization.k8s.io/aggregate-to-admin",
              "rbac.authorization.k8s.io/aggregate-to-edit",
              "rbac.authorization.k8s.io/aggregate-to-view");
      assertThat(rules(role))
          .singleElement()
          .satisfies(
              r ->
                  assertThat(r)
                      .containsOnlyKeys("nonResourceURLs", "verbs")
                      .containsEntry("nonResourceURLs", List.of("/metrics"))
                      .containsEntry("verbs", List.of("get")));
      assertThat(ofKind(objects, "ClusterRoleBinding"))
          .noneMatch(b -> "tm-metrics-reader".equals(b.<String>get("roleRef", "name")));
      // No other role of the chart grants it.
      assertThat(ofKind(objects, "ClusterRole"))
          .filteredOn(r -> !r.equals(role))
          .flatExtracting(ChartIT::rules)
          .noneMatch(r -> r.containsKey("nonResourceURLs"));
    }
  }

  @Test
  void shippedAlertsPassPromtoolCheckAndUnitTests() throws IOException {
    Install.writeAlertRules(work.resolve("alerts.rules.yaml"));
    Files.copy(chart.resolve("tests/alerts_test.yaml"), work.resolve("alerts_test.yaml"));

    ProcessResult check =
        Commands.run(
                LIMIT,
                List.of(
                    Tools.promtool().toString(),
                    "check",
                    "rules",
                    work.resolve("alerts.rules.yaml").toString()))
            .orThrow();
    assertThat(check.stdout() + check.stderr()).contains("SUCCESS: 3 rules found");

    ProcessResult test =
        Commands.run(
            LIMIT,
            List.of(
                Tools.promtool().toString(),
                "test",
                "rules",
                work.resolve("alerts_test.yaml").toString()));
    assertThat(test.exitCode()).as(test.stdout() + test.stderr()).isZero();
    assertThat(test.stdout()).contains("SUCCESS");
  }
}
