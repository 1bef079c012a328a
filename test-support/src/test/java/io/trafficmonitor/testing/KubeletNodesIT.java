package io.trafficmonitor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Two real kubelet nodes on this machine: Ready without a hand-removed taint, pods with addresses
 * of their node's range that reach each other across nodes and reach the API server through the
 * {@code kubernetes} Service with their own token, host-network pods of both nodes on the same
 * port, logs and exec through the API server, and nothing left on the host after close.
 */
class KubeletNodesIT {
  private static final String NS = "kn";
  private static final int HOST_PORT = 18080;

  @Test
  void twoNodesRunPodsThatTalkAndReachTheApiThenLeaveNothing() throws Exception {
    KubeletNodes.requireSupported();
    Requirements.require(Files.exists(Tools.trafficgenJar()), "trafficgen jar not built");
    HostState before = HostState.take();
    long t0 = System.nanoTime();
    try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.KUBELET_NODES)) {
      KubeletNodes nodes = cluster.addKubeletNodes(2);
      long tierUp = System.nanoTime();
      Duration twoNodes = nodes.setupTime();
      KubernetesClient client = cluster.client();
      KubeletNode a = nodes.nodes().get(0);
      KubeletNode b = nodes.nodes().get(1);
      for (KubeletNode n : List.of(a, b)) {
        Node node = client.nodes().withName(n.name()).get();
        assertThat(node.getStatus().getAddresses())
            .anySatisfy(
                x -> {
                  assertThat(x.getType()).isEqualTo("InternalIP");
                  assertThat(x.getAddress()).isEqualTo(n.address());
                });
        assertThat(node.getStatus().getNodeInfo().getContainerRuntimeVersion())
            .startsWith("containerd://");
      }
      String shellImage = shellImage(nodes);
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
          .serverSideApply();

      long p0 = System.nanoTime();
      Pod podA = run(client, pod("pause-a", a, nodes.pauseImage(), false, null));
      Pod podB = run(client, pod("pause-b", b, nodes.pauseImage(), false, null));
      long podsUp = System.nanoTime();
      assertThat(inCidr(podA.getStatus().getPodIP(), a.podCidr())).isTrue();
      assertThat(inCidr(podB.getStatus().getPodIP(), b.podCidr())).isTrue();

      podToPod(a, podA, b, podB);

      // host-network pods (with bpffs, HostToContainer) live in their node's namespace: both
      // bind the same port
      Pod hostA = run(client, pod("host-a", a, nodes.pauseImage(), true, null));
      Pod hostB = run(client, pod("host-b", b, nodes.pauseImage(), true, null));
      List<Process> servers = new ArrayList<>();
      try {
        for (var e : Map.of(a, hostA, b, hostB).entrySet()) {
          long pid = e.getKey().sandboxPid(e.getValue());
          assertThat(netnsOf(pid))
              .isEqualTo(Sh.ok("stat -L -c %i " + e.getKey().netnsPath()).trim());
          servers.add(listen(pid, "0.0.0.0:" + HOST_PORT));
        }
      } finally {
        servers.forEach(Process::destroy);
      }

      // projected service-account token, the root CA, and the API through 10.0.0.1:443
      String volume =
          podA.getSpec().getVolumes().stream()
              .map(v -> v.getName())
              .filter(v -> v.startsWith("kube-api-access-"))
              .findFirst()
              .orElseThrow();
      Path tokenDir = a.podVolume(podA, volume);
      assertThat(Files.readString(tokenDir.resolve("token"))).isNotBlank();
      assertThat(client.configMaps().inNamespace(NS).withName("kube-root-ca.crt").get())
          .isNotNull();
      String whoami =
          Path.of(System.getProperty("java.home"), "bin", "java")
              + " -cp "
              + System.getProperty("java.class.path")
              + " "
              + ApiProbe.class.getName()
              + " "
              + tokenDir.resolve("ca.crt")
              + " "
              + tokenDir.resolve("token");
      assertThat(a.inPodNetwork(podA, whoami).orThrow().stdout())
          .contains("system:serviceaccount:" + NS + ":default");
      assertThat(b.inPodNetwork(hostB, whoami).orThrow().stdout()) // host network: output DNAT
          .contains("system:serviceaccount:" + NS + ":default");

      logsAndExec(cluster, client, shellImage, b);

      // a node added later is routed both ways with the first ones
      KubeletNode c = cluster.addKubeletNodes(1).node("node-3");
      Pod podC = run(client, pod("pause-c", c, nodes.pauseImage(), false, null));
      assertThat(inCidr(podC.getStatus().getPodIP(), c.podCidr())).isTrue();
      podToPod(a, podA, c, podC);

      client.pods().inNamespace(NS).withName("pause-b").delete();
      Await.until(
          "pause-b is deleted by its kubelet",
          Duration.ofSeconds(60),
          () -> client.pods().inNamespace(NS).withName("pause-b").get() == null);

      System.err.printf(
          "KubeletNodesIT: control plane %d ms; nodes Ready %d ms and %d ms after their kubelets"
              + " started; kubelet tier set-up %d ms; two pods Ready in %d ms%n",
          cluster.startTime().toMillis(),
          a.readyAfter().toMillis(),
          b.readyAfter().toMillis(),
          twoNodes.toMillis(),
          (podsUp - p0) / 1_000_000);
      System.err.printf(
          "KubeletNodesIT: cluster with 2 kubelet nodes ready %d ms after start%n",
          (tierUp - t0) / 1_000_000);
    }
    long c0 = System.nanoTime();
    HostState after = HostState.take();
    System.err.printf(
        "KubeletNodesIT: host checked %d ms after close%n", (System.nanoTime() - c0) / 1_000_000);
    assertThat(after.diff(before)).isEmpty();
  }

  @Test
  void theNextRunSweepsWhatAKilledRunLeft() throws Exception {
    KubeletNodes.requireSupported();
    HostState before = HostState.take();
    Path log = Files.createTempFile("killed-cluster", ".log");
    Process main =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LocalClusterMain.class.getName(),
                "--kubelet-nodes",
                "2")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Path dir;
    try {
      Await.until(
          "the cluster in another JVM is ready",
          Duration.ofSeconds(120),
          () -> readQuietly(log).contains("local cluster ready") || !main.isAlive(),
          () -> readQuietly(log));
      assertThat(main.isAlive()).as(readQuietly(log)).isTrue();
      dir = clusterDirOf(main.pid());
      Config config = Config.fromKubeconfig(Files.readString(dir.resolve("kubeconfig")));
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
        client
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
            .serverSideApply();
        String pause = ImageArchive.names(KubeletNodes.pauseArchive()).get(0);
        for (String node : List.of("node-1", "node-2")) {
          run(client, pod("left-" + node, node, pause, false, null));
        }
      }
    } finally {
      main.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
    }
    assertThat(HostState.take().diff(before)).as("the killed run left things").isNotEmpty();
    List<ProcessHandle> left = processesUnder(dir);
    assertThat(left).as("kubelets, containerds, shims of the killed run").isNotEmpty();

    try (LocalCluster next = LocalCluster.start(LocalCluster.Options.KUBELET_NODES)) {
      assertThat(Files.exists(dir)).isFalse();
      assertThat(left).noneMatch(ProcessHandle::isAlive);
      assertThat(next.client().nodes().list().getItems()).isEmpty();
    }
    assertThat(HostState.take().diff(before)).isEmpty();
  }

  private static Path clusterDirOf(long pid) throws IOException {
    try (Stream<Path> dirs = Files.list(ClusterDirs.root())) {
      return dirs.filter(d -> readQuietly(d.resolve("owner.pid")).trim().equals(Long.toString(pid)))
          .findFirst()
          .orElseThrow();
    }
  }

  /** Processes whose command line names a path under {@code dir}. */
  private static List<ProcessHandle> processesUnder(Path dir) {
    return ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
        .toList();
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  /** Pod A and the host each send to a server in pod B, across the nodes. */
  private static void podToPod(KubeletNode a, Pod podA, KubeletNode b, Pod podB) throws Exception {
    String target = podB.getStatus().getPodIP() + ":7000";
    Process server = listen(b.sandboxPid(podB), target);
    try {
      String client =
          "java -jar "
              + Tools.trafficgenJar()
              + " client --protocol tcp --target "
              + target
              + " --count 20 --size 200 --quiet";
      assertThat(a.inPodNetwork(podA, client).orThrow().stdout())
          .contains("\"messages\":20", "\"errors\":0");
      assertThat(Sh.ok(client)).contains("\"messages\":20", "\"errors\":0");
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** A trafficgen TCP server in the network namespace of process {@code pid}, once listening. */
  private static Process listen(long pid, String address) throws Exception {
    Process server =
        new ProcessBuilder(
                "nsenter",
                "--net=/proc/" + pid + "/ns/net",
                "java",
                "-jar",
                Tools.trafficgenJar().toString(),
                "server",
                "--protocol",
                "tcp",
                "--listen",
                address,
                "--quiet")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream()));
    assertThat(out.readLine()).isEqualTo("LISTENING " + address);
    return server;
  }

  private static void logsAndExec(
      LocalCluster cluster, KubernetesClient client, String shellImage, KubeletNode node) {
    if (shellImage == null) {
      String reason =
          "kubectl logs/exec not checked: no image with a shell in target/images"
              + " (images/build.sh trafficgen)";
      assertThat(Requirements.underCi()).as(reason).isFalse();
      System.err.println("SKIPPED (not under CI): " + reason);
      return;
    }
    run(
        client,
        pod(
            "shell",
            node,
            shellImage,
            false,
            List.of("busybox", "sh", "-c", "echo hello from $(hostname); exec sleep 3600")));
    Await.until(
        "kubectl logs shows the container's output",
        Duration.ofSeconds(30),
        () -> cluster.kubectl("logs", "-n", NS, "shell").stdout().contains("hello from shell"));
    ProcessResult exec =
        cluster.kubectl("exec", "-n", NS, "shell", "--", "busybox", "sh", "-c", "echo $((6*7))");
    assertThat(exec.orThrow().stdout().trim()).isEqualTo("42");
  }

  /** The trafficgen image (busybox for a shell), loaded into the nodes; null when not built. */
  private static String shellImage(KubeletNodes nodes) {
    Path archive = KubeletNodes.imageArchive("trafficgen");
    if (!Files.exists(archive)) {
      return null;
    }
    nodes.loadImage(archive);
    return ImageArchive.names(archive).get(0);
  }

  private static Pod pod(
      String name, KubeletNode node, String image, boolean hostNetwork, List<String> command) {
    return pod(name, node.name(), image, hostNetwork, command);
  }

  private static Pod pod(
      String name, String node, String image, boolean hostNetwork, List<String> command) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .endMetadata()
        .withNewSpec()
        .withNodeSelector(Map.of("kubernetes.io/hostname", node))
        .withHostNetwork(hostNetwork)
        .withTerminationGracePeriodSeconds(1L)
        .addNewContainer()
        .withName(name)
        .withImage(image)
        .withImagePullPolicy("Never")
        .withCommand(command)
        // as the agent mounts it: needs /sys/fs/bpf shared on the host
        .withVolumeMounts(
            hostNetwork
                ? List.of(
                    new VolumeMountBuilder()
                        .withName("bpffs")
                        .withMountPath("/sys/fs/bpf")
                        .withMountPropagation("HostToContainer")
                        .build())
                : List.of())
        .withPorts(
            hostNetwork
                ? List.of(
                    new ContainerPortBuilder()
                        .withContainerPort(HOST_PORT)
                        .withHostPort(HOST_PORT)
                        .build())
                : List.of())
        .endContainer()
        .withVolumes(
            hostNetwork
                ? List.of(
                    new VolumeBuilder()
                        .withName("bpffs")
                        .withNewHostPath()
                        .withPath("/sys/fs/bpf")
                        .endHostPath()
                        .build())
                : List.of())
        .endSpec()
        .build();
  }

  private static Pod run(KubernetesClient client, Pod pod) {
    client.pods().resource(pod).create();
    return client
        .pods()
        .inNamespace(NS)
        .withName(pod.getMetadata().getName())
        .waitUntilReady(90, TimeUnit.SECONDS);
  }

  private static String netnsOf(long pid) {
    return Sh.ok("stat -L -c %i /proc/" + pid + "/ns/net").trim();
  }

  private static boolean inCidr(String ip, String cidr) {
    String prefix = cidr.substring(0, cidr.lastIndexOf('.') + 1);
    return ip.startsWith(prefix);
  }
}
