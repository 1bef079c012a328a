package io.trafficmonitor.e2e;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.testing.Await;
import io.trafficmonitor.testing.KubeBinaries;
import io.trafficmonitor.testing.KubeletNode;
import io.trafficmonitor.testing.KubeletNodes;
import io.trafficmonitor.testing.LocalCluster;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.PrometheusServer;
import io.trafficmonitor.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The demo ({@code make demo}): the product in the shape it ships, on two real kubelet nodes. The
 * images of {@code target/images} (built by {@code hack/demo.sh}) are loaded into each node's
 * containerd, {@code helm install} puts the chart into {@value Install#NAMESPACE} (the operator's
 * Deployment pods, which keep the agents' DaemonSet there: one agent per node, for every monitor),
 * {@code e2e/samples/web-monitor.yaml} has them count the web pods, and three workload pods of the
 * trafficgen image ({@code shop/web-a} and {@code shop/client} on the first node, {@code
 * shop/web-b} on the second) send HTTP and UDP between them ({@link #server}, {@link #client}).
 * Prometheus scrapes the agents through their pod IPs with the chart's alert rules, sending the
 * token of a ServiceAccount bound to the chart's metrics-reader role ({@link
 * Install#scraperToken}), as an agent serves /metrics to nobody else. The screen shows {@code
 * kubectl get trafficmonitors -A} every 2 s for {@code DEMO_SECONDS} (a day by default) or until
 * Ctrl-C (SIGINT/SIGTERM), then everything is torn down.
 */
public final class Demo {
  static final String NS = "shop";
  static final String TRAFFICGEN_JAVA =
      "/opt/jre/bin/java -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError -jar /app/trafficgen.jar";

  private static volatile boolean stopping;

  private Demo() {}

  public static void main(String[] args) throws Exception {
    long seconds = Long.parseLong(System.getenv().getOrDefault("DEMO_SECONDS", "86400"));
    long t0 = System.nanoTime();
    List<AutoCloseable> open = new ArrayList<>();
    Thread teardown =
        new Thread(
            () -> {
              stopping = true;
              System.out.println("\ndemo: tearing down");
              long start = System.nanoTime();
              synchronized (open) {
                for (int i = open.size() - 1; i >= 0; i--) {
                  try {
                    open.get(i).close();
                  } catch (Exception e) {
                    System.err.println("demo: " + e);
                  }
                }
              }
              System.out.printf("demo: done (teardown %.1f s)%n", secondsSince(start));
            },
            "demo-teardown");
    Runtime.getRuntime().addShutdownHook(teardown);

    List<String> missing = KubeletNodes.missing();
    if (!missing.isEmpty()) {
      System.err.println("demo: real kubelet nodes need " + missing);
      System.exit(1);
    }
    System.out.println("demo: starting the local control plane");
    LocalCluster cluster = LocalCluster.start(LocalCluster.Options.KUBELET_NODES);
    synchronized (open) {
      open.add(cluster); // closing the cluster stops the nodes, their pods and containerds
    }
    Timings times = new Timings(t0);
    times.mark("control plane");
    System.out.println("demo: starting two kubelet nodes (containerd + kubelet each)");
    KubeletNodes nodes = cluster.addKubeletNodes(2);
    times.mark("2 nodes Ready");
    KubeletNode node1 = nodes.nodes().get(0);
    KubeletNode node2 = nodes.nodes().get(1);
    System.out.println("demo: loading target/images into each node's containerd");
    Install.loadImages(nodes);
    times.mark("images loaded");
    System.out.println("demo: helm install trafficmonitor -n " + Install.NAMESPACE + " --wait");
    Install.helmInstall(nodes).orThrow();
    times.mark("helm install");

    KubernetesClient client = cluster.client();
    cluster.kubectl("create", "namespace", NS).orThrow();
    apply(cluster, server("web-a", node1, false));
    apply(cluster, server("web-b", node2, true));
    Await.until(
        "the web pods run",
        Duration.ofSeconds(120),
        () -> Install.ready(pod(client, "web-a")) && Install.ready(pod(client, "web-b")));
    String webA = pod(client, "web-a").getStatus().getPodIP();
    String webB = pod(client, "web-b").getStatus().getPodIP();
    apply(cluster, client(node1, webA, webB));
    Path sample = Tools.repoRoot().resolve("e2e/samples/web-monitor.yaml");
    cluster.kubectl("apply", "-f", sample.toString()).orThrow();
    times.mark("workloads + monitor applied");
    Await.until(
        "an agent pod runs on each node",
        Duration.ofSeconds(180),
        () -> agents(client).stream().filter(Install::ready).count() == 2);
    times.mark("agents Ready");

    List<String> targets =
        agents(client).stream().map(p -> p.getStatus().getPodIP() + ":9400").sorted().toList();
    Path rules = Files.createTempFile("tm-demo-rules", ".yaml");
    Install.writeAlertRules(rules);
    // The token outlasts the demo (DEMO_SECONDS), so that no scrape is refused.
    Path token = Install.scraperToken(nodes, Duration.ofSeconds(seconds).plusHours(1));
    // The agents serve HTTPS with the chart's certificate, for the agent metrics Service's name.
    Path ca = Install.secretFile(nodes, Install.AGENT_TLS_SECRET, "ca.crt");
    PrometheusServer prom =
        PrometheusServer.start(
            targets,
            token,
            ca,
            Install.AGENT_SERVER_NAME,
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            List.of(rules));
    Files.deleteIfExists(rules);
    synchronized (open) {
      open.add(prom);
    }
    times.mark("Prometheus");

    String kubectl = KubeBinaries.locate().kubectl() + " --kubeconfig=" + cluster.kubeconfig();
    // hack/demo.sh says whether its output is a terminal (the JVM's stdin is not)
    boolean tty = "1".equals(System.getenv("DEMO_CLEAR")) || System.console() != null;
    long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    while (System.nanoTime() < deadline && !stopping) {
      if (times.firstRate == null && rxBitsPerSecond(client) > 0) {
        times.mark("first non-zero rate");
        times.firstRate = secondsSince(t0);
      }
      StringBuilder screen = new StringBuilder(tty ? "\033[H\033[2J" : "\n-----\n");
      screen.append(
          String.format(
              "trafficmonitor demo: up %.0f s   %s%n", secondsSince(t0), times.summary()));
      screen.append("kubeconfig:    ").append(cluster.kubeconfig()).append('\n');
      screen.append("kubectl:       ").append(kubectl).append(" ...\n");
      screen.append("  logs:        ... logs -n shop client -c http-b   (or -n shop web-a, ");
      screen.append(
          "-n " + Install.NAMESPACE + " -l app.kubernetes.io/name=trafficmonitor-agent)\n");
      screen.append("  exec:        ... exec -it -n shop client -c udp -- sh\n");
      screen.append("agent metrics: ");
      screen.append(
          String.join("  ", targets.stream().map(t -> "https://" + t + "/metrics").toList()));
      screen
          .append("\n  with token:  curl --cacert ")
          .append(ca)
          .append(" --connect-to ")
          .append(Install.AGENT_SERVER_NAME)
          .append(":9400:<agent>:9400 -H \"Authorization: Bearer $(cat ")
          .append(token)
          .append(")\" https://")
          .append(Install.AGENT_SERVER_NAME)
          .append(":9400/metrics   (no token: 401)");
      screen.append("\nPrometheus:    ").append(prom.url()).append("   (alerts: ");
      screen.append(prom.url()).append("/alerts)\n");
      screen.append("Ctrl-C or `make demo-down` tears everything down.\n\n");
      screen.append("$ kubectl get nodes\n").append(kubectlOut(cluster, "get", "nodes"));
      screen.append("\n$ kubectl get pods -A -o wide\n");
      screen.append(kubectlOut(cluster, "get", "pods", "-A", "-o", "wide"));
      screen.append("\n$ kubectl get trafficmonitors -A\n");
      screen.append(kubectlOut(cluster, "get", "trafficmonitors", "-A"));
      if (!stopping) {
        System.out.print(screen);
        System.out.flush();
      }
      Thread.sleep(2000);
    }
    System.exit(0);
  }

  /** A pod of trafficgen containers in the demo's namespace. */
  static String pod(String name, KubeletNode node, String labels, String containers) {
    return Install.trafficgenPod(name, NS, node, labels, containers);
  }

  /** One container: the image's entrypoint with these args, or this command run by busybox sh. */
  static String container(String name, String argsOrCommand, boolean shell) {
    String run =
        shell ? "command: [/bin/sh, -c, '" + argsOrCommand + "']" : "args: [" + argsOrCommand + "]";
    return Install.trafficgenContainer(
        name, run, "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m");
  }

  /** A web pod: the generator's HTTP server on 8080 and, with {@code udp}, its UDP one on 8053. */
  static String server(String name, KubeletNode node, boolean udp) {
    StringBuilder c = new StringBuilder();
    c.append(
        container("http", "server, --protocol, http, --listen, '0.0.0.0:8080', --quiet", false));
    if (udp) {
      c.append(
          container("udp", "server, --protocol, udp, --listen, '0.0.0.0:8053', --quiet", false));
    }
    return pod(name, node, "app: web", c.toString());
  }

  /**
   * The client pod: HTTP at 4 Mbit/s to each web pod and UDP at 1 Mbit/s to web-b, each a generator
   * that a shell loop restarts (a server not yet listening, a pod restarted).
   */
  static String client(KubeletNode node, String webA, String webB) {
    String http = "--protocol http --rate 4Mbit --size 8Ki --connections 2";
    String udp = "--protocol udp --rate 1Mbit --size 512";
    return pod(
        "client",
        node,
        "app: client",
        container("http-a", loop(http + " --target " + webA + ":8080"), true)
            + container("http-b", loop(http + " --target " + webB + ":8080"), true)
            + container("udp", loop(udp + " --target " + webB + ":8053"), true));
  }

  static String loop(String clientArgs) {
    return "trap \"exit 0\" TERM; while :; do "
        + TRAFFICGEN_JAVA
        + " client --quiet --duration 1h "
        + clientArgs
        + "; sleep 1; done";
  }

  static void apply(LocalCluster cluster, String manifest) {
    cluster.kubectlWithInput(manifest, "apply", "-f", "-").orThrow();
  }

  static String kubectlOut(LocalCluster cluster, String... args) {
    ProcessResult r = cluster.kubectl(args);
    return r.exitCode() == 0 ? r.stdout() : r.stderr();
  }

  static Pod pod(KubernetesClient client, String name) {
    return client.pods().inNamespace(NS).withName(name).get();
  }

  /** The agent pods: in the operator's namespace, one per node. */
  static List<Pod> agents(KubernetesClient client) {
    return client
        .pods()
        .inNamespace(Install.NAMESPACE)
        .withLabel("app.kubernetes.io/name", "trafficmonitor-agent")
        .list()
        .getItems();
  }

  @SuppressWarnings("unchecked")
  static long rxBitsPerSecond(KubernetesClient client) {
    try {
      GenericKubernetesResource tm =
          client
              .genericKubernetesResources("trafficmonitor.io/v1alpha1", "TrafficMonitor")
              .inNamespace(NS)
              .withName("web")
              .get();
      Map<String, Object> summary = tm == null ? null : tm.get("status", "summary");
      Object rx = summary == null ? null : summary.get("rxBitsPerSecond");
      return rx instanceof Number n ? n.longValue() : 0;
    } catch (RuntimeException e) {
      return 0;
    }
  }

  static double secondsSince(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  /** When each step finished, in seconds from the start. */
  static final class Timings {
    private final long start;
    private final List<String> marks = new ArrayList<>();
    Double firstRate;

    Timings(long start) {
      this.start = start;
    }

    void mark(String what) {
      double s = secondsSince(start);
      marks.add(String.format("%s %.1f s", what, s));
      System.out.printf("demo: %s at %.1f s%n", what, s);
    }

    String summary() {
      return firstRate == null
          ? "(waiting for the first non-zero rate)"
          : String.format("(first non-zero rate %.1f s after start)", firstRate);
    }
  }
}
