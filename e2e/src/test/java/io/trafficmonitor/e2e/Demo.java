package io.trafficmonitor.e2e;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.trafficmonitor.testing.Await;
import io.trafficmonitor.testing.FakeKubelet;
import io.trafficmonitor.testing.LocalCluster;
import io.trafficmonitor.testing.PodProcessRunner;
import io.trafficmonitor.testing.PrometheusServer;
import io.trafficmonitor.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The demo ({@code make demo}): the local cluster, the chart's manifests, the operator and two node
 * agents, three workload pods with the traffic generator running between them, a sample
 * TrafficMonitor, Prometheus with the chart's alerts, and {@code kubectl get trafficmonitors}
 * refreshing until Ctrl-C (or {@code DEMO_SECONDS}), then a clean teardown.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws Exception {
    long seconds = Long.parseLong(System.getenv().getOrDefault("DEMO_SECONDS", "86400"));
    List<AutoCloseable> open = new ArrayList<>();
    List<Process> workloads = new ArrayList<>();
    Thread teardown =
        new Thread(
            () -> {
              System.out.println("\ndemo: tearing down");
              workloads.forEach(p -> p.toHandle().destroy());
              for (int i = open.size() - 1; i >= 0; i--) {
                try {
                  open.get(i).close();
                } catch (Exception e) {
                  System.err.println("demo: " + e);
                }
              }
              System.out.println("demo: done");
            },
            "demo-teardown");
    Runtime.getRuntime().addShutdownHook(teardown);

    System.out.println("demo: starting the local control plane");
    LocalCluster cluster = LocalCluster.start();
    open.add(cluster);
    System.out.println("demo: installing the chart and starting the operator and two nodes");
    Rig rig = Rig.start(cluster, "node-a", "node-b");
    open.add(rig);
    cluster
        .client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
        .serverSideApply();
    FakeKubelet.RigPod webA = rig.kubelet.start("node-a", "shop", "web-a", Map.of("app", "web"));
    FakeKubelet.RigPod webB = rig.kubelet.start("node-b", "shop", "web-b", Map.of("app", "web"));
    FakeKubelet.RigPod client =
        rig.kubelet.start("node-a", "shop", "client", Map.of("app", "client"));

    Path sample = Tools.repoRoot().resolve("e2e/samples/web-monitor.yaml");
    cluster.kubectl("apply", "-f", sample.toString()).orThrow();
    Await.until("the agents run", Duration.ofSeconds(90), () -> rig.agents.running().size() == 2);

    String jar = Tools.trafficgenJar().toString();
    String java = PodProcessRunner.java();
    workloads.add(
        rig.kubelet.exec(
            webB,
            List.of(
                java,
                "-jar",
                jar,
                "server",
                "--protocol",
                "http",
                "--listen",
                webB.ip() + ":8080",
                "--quiet")));
    workloads.add(
        rig.kubelet.exec(
            webA,
            List.of(
                java,
                "-jar",
                jar,
                "server",
                "--protocol",
                "udp",
                "--listen",
                webA.ip() + ":8053",
                "--quiet")));
    Thread.sleep(1500);
    workloads.add(
        rig.kubelet.exec(
            client,
            List.of(
                java,
                "-jar",
                jar,
                "client",
                "--protocol",
                "http",
                "--target",
                webB.ip() + ":8080",
                "--rate",
                "4Mbit",
                "--size",
                "8Ki",
                "--connections",
                "2",
                "--duration",
                seconds + "s",
                "--quiet")));
    workloads.add(
        rig.kubelet.exec(
            client,
            List.of(
                java,
                "-jar",
                jar,
                "client",
                "--protocol",
                "udp",
                "--target",
                webA.ip() + ":8053",
                "--rate",
                "1Mbit",
                "--size",
                "512",
                "--duration",
                seconds + "s",
                "--quiet")));

    Path rules = Files.createTempFile("tm-demo-rules", ".yaml");
    Rig.writeAlertRules(rules);
    PrometheusServer prom =
        PrometheusServer.start(
            rig.agents.running().stream().map(r -> "127.0.0.1:" + r.port()).toList(),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            List.of(rules));
    open.add(1, prom);

    long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    while (System.nanoTime() < deadline) {
      System.out.print("\033[H\033[2J");
      System.out.println(
          "kubeconfig: "
              + cluster.kubeconfig()
              + "   kubectl: "
              + io.trafficmonitor.testing.KubeBinaries.locate().kubectl());
      System.out.println(
          "Prometheus UI: "
              + prom.url()
              + "   agent metrics: "
              + String.join(
                  " ",
                  rig.agents.running().stream()
                      .map(r -> "http://127.0.0.1:" + r.port() + "/metrics")
                      .toList()));
      System.out.println("Ctrl-C tears everything down.\n");
      System.out.println("$ kubectl get trafficmonitors -A");
      System.out.print(cluster.kubectl("get", "trafficmonitors", "-A").stdout());
      Thread.sleep(2000);
    }
    System.exit(0);
  }
}
