package io.trafficmonitor.e2e;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.access.AgentTrust;
import io.trafficmonitor.testing.Commands;
import io.trafficmonitor.testing.KubeBinaries;
import io.trafficmonitor.testing.KubeletNode;
import io.trafficmonitor.testing.KubeletNodes;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.ServiceAccountTokens;
import io.trafficmonitor.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * trafficmonitor installed on real kubelet nodes as a user installs it: the images built by {@code
 * images/build.sh} (cached, seconds when nothing changed) and loaded into every node's containerd,
 * then {@code helm install} of {@code charts/trafficmonitor} into {@value #NAMESPACE}.
 */
final class Install {
  static final String NAMESPACE = "trafficmonitor-system";
  static final String RELEASE = "trafficmonitor";
  static final List<String> IMAGES = List.of("operator", "node-agent", "trafficgen");

  /** The namespace and name of the scrapers' ServiceAccount, as kube-prometheus-stack's. */
  static final String SCRAPER_NAMESPACE = "monitoring";

  static final String SCRAPER = "prometheus";

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private Install() {}

  /** The one version of the jars, the images and the chart. */
  static String version() {
    return Commands.run(
            Duration.ofSeconds(30),
            List.of(Tools.repoRoot().resolve("images/version.sh").toString()))
        .orThrow()
        .stdout()
        .trim();
  }

  /** {@code localhost/trafficmonitor/<name>:<version>}, as {@code make images} names it. */
  static String image(String name) {
    return "localhost/trafficmonitor/" + name + ":" + version();
  }

  /** Builds the product images (cached by their inputs) and loads them into every node. */
  static Duration buildAndLoadImages(KubeletNodes nodes) {
    long start = System.nanoTime();
    buildImages();
    loadImages(nodes);
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** {@code images/build.sh} of {@link #IMAGES}: seconds when nothing changed. */
  static void buildImages() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Tools.repoRoot().resolve("images/build.sh").toString());
    cmd.addAll(IMAGES);
    Commands.run(Duration.ofMinutes(20), cmd).orThrow();
  }

  /** Imports {@code target/images/<name>.tar} of {@link #IMAGES} into every node's containerd. */
  static Duration loadImages(KubeletNodes nodes) {
    long start = System.nanoTime();
    for (String name : IMAGES) {
      nodes.loadImage(KubeletNodes.imageArchive(name));
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * Writes the chart's alert rules ({@code templates/prometheusrule.yaml}'s spec) as a Prometheus
   * rule file, rendered by {@code helm template} for the Kubernetes version the nodes run (the
   * chart's {@code kubeVersion} refuses Helm's offline default).
   */
  static void writeAlertRules(Path file, String... sets) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Tools.require(Tools.helm()).toString(),
                "template",
                RELEASE,
                Tools.repoRoot().resolve("charts/trafficmonitor").toString(),
                "--kube-version",
                KubeBinaries.KUBERNETES_VERSION,
                "--set",
                "prometheusRule.enabled=true",
                "--show-only",
                "templates/prometheusrule.yaml"));
    for (String set : sets) {
      cmd.add("--set");
      cmd.add(set);
    }
    String rendered = Commands.run(Duration.ofMinutes(1), cmd).orThrow().stdout();
    Object spec =
        Serialization.unmarshal(rendered, GenericKubernetesResource.class)
            .getAdditionalProperties()
            .get("spec");
    Files.writeString(file, Serialization.asYaml(spec));
  }

  /**
   * The Prometheus Operator's PrometheusRule and ServiceMonitor CRDs (test-support's reduced copy),
   * as a cluster with kube-prometheus-stack has them.
   */
  static void installPrometheusOperatorCrds(KubeletNodes nodes) {
    try (InputStream in =
        Install.class.getResourceAsStream(
            "/io/trafficmonitor/testing/crds/monitoring.coreos.com.yaml")) {
      nodes
          .cluster()
          .kubectlWithInput(
              new String(in.readAllBytes(), StandardCharsets.UTF_8),
              "apply",
              "--server-side",
              "-f",
              "-")
          .orThrow();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A scraper's token in a file (owner-only, removed when the JVM exits), as the kubelet projects
   * one into a Prometheus pod: ServiceAccount {@value #SCRAPER} of namespace {@value
   * #SCRAPER_NAMESPACE}, bound by a ClusterRoleBinding to the chart's ClusterRole {@code
   * <release>-metrics-reader}, which is all an agent asks of whoever scrapes its /metrics. The
   * token lasts {@code lifetime}. Needs the chart installed (the role).
   */
  static Path scraperToken(KubeletNodes nodes, Duration lifetime) {
    KubernetesClient client = nodes.cluster().client();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(SCRAPER_NAMESPACE)
                .endMetadata()
                .build())
        .serverSideApply();
    String role = RELEASE + "-metrics-reader";
    ServiceAccountTokens.bindToClusterRole(
        client, SCRAPER_NAMESPACE, SCRAPER, role, SCRAPER + "-" + role);
    String token = ServiceAccountTokens.token(client, SCRAPER_NAMESPACE, SCRAPER, lifetime);
    try {
      Path file =
          Files.createTempFile(
              "tm-scraper-token", "", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      file.toFile().deleteOnExit();
      Files.writeString(file, token);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The chart's Secret of the agents' serving certificate (templates/agent-tls-secret.yaml). */
  static final String AGENT_TLS_SECRET = RELEASE + "-agent-tls";

  /**
   * The name the agents' certificate is for, the agent metrics Service's, which a client checks
   * instead of the agent's address.
   */
  static final String AGENT_SERVER_NAME = RELEASE + "-agent-metrics." + NAMESPACE + ".svc";

  /**
   * Key {@code key} of Secret {@code name} in the release's namespace written to a file (removed
   * when the JVM exits), as the Prometheus Operator mounts a ServiceMonitor's {@code tlsConfig.ca}
   * into Prometheus.
   */
  static Path secretFile(KubeletNodes nodes, String name, String key) {
    var secret = nodes.cluster().client().secrets().inNamespace(NAMESPACE).withName(name).get();
    if (secret == null || secret.getData() == null || secret.getData().get(key) == null) {
      throw new IllegalStateException("no key " + key + " in Secret " + NAMESPACE + "/" + name);
    }
    try {
      Path file = Files.createTempFile("tm-" + name + "-", "-" + key);
      file.toFile().deleteOnExit();
      Files.write(file, Base64.getDecoder().decode(secret.getData().get(key)));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * An HTTP client for the agents' HTTPS, as the operator's: it trusts the chart's CA ({@value
   * #AGENT_TLS_SECRET}'s ca.crt) for {@link #AGENT_SERVER_NAME}, whatever agent address it calls.
   */
  static HttpClient agentClient(KubeletNodes nodes) {
    return HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .sslContext(
            AgentTrust.context(secretFile(nodes, AGENT_TLS_SECRET, "ca.crt"), AGENT_SERVER_NAME))
        .build();
  }

  /** {@code helm} with the cluster's kubeconfig. */
  static ProcessResult helm(KubeletNodes nodes, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Tools.require(Tools.helm()).toString());
    cmd.add("--kubeconfig=" + nodes.cluster().kubeconfig());
    cmd.addAll(List.of(args));
    return Commands.run(Duration.ofMinutes(5), cmd);
  }

  /**
   * {@code helm install trafficmonitor charts/trafficmonitor -n trafficmonitor-system
   * --create-namespace --wait}, with the images never pulled (they were loaded) and these extra
   * {@code --set} values.
   */
  static ProcessResult helmInstall(KubeletNodes nodes, String... sets) {
    Path chart = Tools.repoRoot().resolve("charts/trafficmonitor");
    List<String> args =
        new ArrayList<>(
            List.of(
                "install",
                RELEASE,
                chart.toString(),
                "-n",
                NAMESPACE,
                "--create-namespace",
                "--wait",
                "--timeout",
                "3m",
                "--set",
                "operator.image.pullPolicy=Never",
                "--set",
                "agent.image.pullPolicy=Never"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return helm(nodes, args.toArray(String[]::new));
  }

  /** Whether the pod's Ready condition is True. */
  static boolean ready(Pod p) {
    return p != null
        && p.getStatus() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  /**
   * A pod of trafficgen-image containers on {@code node}: restricted (non-root, no capabilities, no
   * escalation), read-only root, an emptyDir at /tmp.
   */
  static String trafficgenPod(
      String name, String namespace, KubeletNode node, String labels, String containers) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: %s, labels: {%s}}
        spec:
          nodeName: %s
          terminationGracePeriodSeconds: 1
          securityContext: {runAsNonRoot: true}
          containers:
        %s
          volumes: [{name: tmp, emptyDir: {}}]
        """
        .formatted(name, namespace, labels, node.name(), containers.stripTrailing());
  }

  /**
   * One container of {@link #trafficgenPod}: {@code run} is its {@code args: [...]} (the image's
   * entrypoint runs the generator) or {@code command: [...]} line; {@code javaOptions}, when not
   * null, its {@code JAVA_TOOL_OPTIONS}.
   */
  static String trafficgenContainer(String name, String run, String javaOptions) {
    String env =
        javaOptions == null
            ? ""
            : "env: [{name: JAVA_TOOL_OPTIONS, value: \"" + javaOptions + "\"}]\n      ";
    return """
            - name: %s
              image: %s
              imagePullPolicy: Never
              %s
              %ssecurityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities: {drop: [ALL]}
              volumeMounts: [{name: tmp, mountPath: /tmp}]
        """
        .formatted(name, image("trafficgen"), run, env);
  }
}
