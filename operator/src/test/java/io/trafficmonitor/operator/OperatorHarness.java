package io.trafficmonitor.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.testing.CrdInstaller;
import io.trafficmonitor.testing.TestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM's shared control plane with the TrafficMonitor and ClusterTrafficMonitor CRDs installed
 * and the operator running in-process (the same {@link TrafficMonitorOperator} the Quarkus
 * application starts), watching the integration tests' namespaces, with its agent DaemonSet in
 * {@link #AGENT_NAMESPACE}.
 */
public final class OperatorHarness {

  public static final Set<String> NAMESPACES =
      Set.of(
          "it-lifecycle",
          "it-lifecycle-b",
          "it-status",
          "it-prometheus",
          "it-errors",
          PeerNamesIT.TEAM_A,
          PeerNamesIT.TEAM_B);

  /** The operator's own namespace (the default of {@link OperatorSettings}). */
  public static final String AGENT_NAMESPACE = OperatorSettings.defaults().namespace();

  private static TrafficMonitorOperator operator;

  private OperatorHarness() {}

  public static synchronized TestCluster start() {
    TestCluster cluster = TestCluster.shared();
    if (operator == null) {
      KubernetesClient client = cluster.client();
      installCrds(client);
      for (String ns : NAMESPACES) {
        createNamespace(client, ns);
      }
      createNamespace(client, AGENT_NAMESPACE);
      operator =
          TrafficMonitorOperator.create(
              client, null, NAMESPACES, AgentSettings.defaults(), OperatorSettings.defaults());
      operator.start();
      TrafficMonitorOperator started = operator;
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "stop-operator"));
    }
    return cluster;
  }

  /** The running operator (after {@link #start()}). */
  public static TrafficMonitorOperator operator() {
    return operator;
  }

  private static void createNamespace(KubernetesClient client, String name) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .serverSideApply();
  }

  public static Path repoRoot() {
    return Path.of(System.getProperty("tm.repo.root", ".."));
  }

  /** The operator's JVM options as the chart sets them (operator.javaOptions in values.yaml). */
  public static String chartJavaOptions() throws IOException {
    Matcher m =
        Pattern.compile("(?m)^  javaOptions: \"([^\"]*)\"")
            .matcher(Files.readString(repoRoot().resolve("charts/trafficmonitor/values.yaml")));
    if (!m.find()) {
      throw new IllegalStateException("no operator.javaOptions in the chart's values.yaml");
    }
    return m.group(1);
  }

  /** The API's CRDs, TrafficMonitor and ClusterTrafficMonitor, from crds/. */
  public static void installCrds(KubernetesClient client) {
    for (String crd : List.of(TrafficMonitor.CRD_NAME, ClusterTrafficMonitor.CRD_NAME)) {
      CrdInstaller.install(client, repoRoot().resolve("crds/" + crd + "-v1.yml"));
    }
  }

  /** Installs a CRD from the test resources, such as {@code prometheus-operator/...yaml}. */
  public static void installCrdResource(KubernetesClient client, String resource) {
    try (InputStream in = OperatorHarness.class.getResourceAsStream("/" + resource)) {
      CrdInstaller.install(client, in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether {@code child} has an owner reference to {@code owner}. */
  public static boolean ownedBy(HasMetadata child, HasMetadata owner) {
    return child.getMetadata().getOwnerReferences().stream()
        .anyMatch(r -> r.getUid().equals(owner.getMetadata().getUid()));
  }

  /** A JSON merge patch of a TrafficMonitor: no resourceVersion, so no conflict with status. */
  public static void mergePatch(KubernetesClient client, String ns, String name, String json) {
    client
        .resources(TrafficMonitor.class)
        .inNamespace(ns)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }
}
