package io.trafficmonitor.testing;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One real node: its own network namespace {@code tmk<k>-<name>} (joined to the host bridge by a
 * veth, {@code eth0} = {@link #address()}), its own containerd and kubelet running in that
 * namespace (entered with {@code nsenter --net} only, so /sys, cgroups and bpffs stay the host's)
 * and in the cgroup {@code tmk<k>-<name>}, which is also the kubelet's {@code cgroupRoot}. Pods get
 * addresses of {@link #podCidr()} on the namespace's {@code cni0} bridge (CNI bridge + host-local);
 * host-network pods share the node's namespace, as on a real node.
 */
public final class KubeletNode {
  private static final String SERVICE_IP = "10.0.0.1";

  private final String name;
  private final int index;
  private final NodeLink link;
  private final Path dir;
  private ManagedProcess containerd;
  private ManagedProcess kubelet;
  private long kubeletStarted;
  private Duration readyAfter;

  KubeletNode(String name, int index, NodeLink link, Path dir) {
    this.name = name;
    this.index = index;
    this.link = link;
    this.dir = dir;
  }

  /**
   * Where an agent on this node keeps what outlives it, on the host (the agent DaemonSet's
   * hostPaths, operator/.../AgentDaemonSet.java, and a directory per node name): nodes of every run
   * share this kernel, so a new node starts without what an agent of an earlier run's node of the
   * same name left there (pinned maps and links, a checkpoint).
   */
  static final List<Path> AGENT_STATE =
      List.of(Path.of("/sys/fs/bpf/trafficmonitor"), Path.of("/run/trafficmonitor"));

  /**
   * Removes what an agent of an earlier node of this name left on the host (unpinning detaches).
   */
  void clearAgentState() {
    for (Path root : AGENT_STATE) {
      Path dir = root.resolve(name);
      if (!Files.exists(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove " + dir, e);
      }
    }
  }

  /** The Node object's name. */
  public String name() {
    return name;
  }

  /** The node's InternalIP, its {@code eth0} address on the host bridge. */
  public String address() {
    return link.nodeAddress(index);
  }

  /** The range this node's pods get addresses from. */
  public String podCidr() {
    return link.podCidr(index);
  }

  /** The network namespace, also the namespace of this node's host-network pods. */
  public String netns() {
    return link.prefix() + name;
  }

  public Path netnsPath() {
    return Path.of("/var/run/netns", netns());
  }

  /** The kubelet's {@code cgroupRoot}: pods are under {@code <hierarchy><cgroupRoot>/kubepods}. */
  public String cgroupRoot() {
    return "/" + link.prefix() + name;
  }

  public Path containerdSocket() {
    return dir.resolve("ctrd/ctrd.sock");
  }

  /** The kubelet's {@code --root-dir}. */
  public Path kubeletRoot() {
    return dir.resolve("k");
  }

  /** This node's directory: configs, logs ({@code kubelet.log}, {@code containerd.log}), state. */
  public Path directory() {
    return dir;
  }

  /** From the kubelet's start to the Node being Ready and schedulable. */
  public Duration readyAfter() {
    return readyAfter;
  }

  /** Runs a shell command in the node's network namespace; throws when it fails. */
  public String exec(String command) {
    return Sh.ok("nsenter --net=" + netnsPath() + " " + command);
  }

  /** Runs {@code ctr} against this node's containerd, in its {@code k8s.io} namespace. */
  public String ctr(String args) {
    return Sh.ok("ctr -a " + containerdSocket() + " -n k8s.io " + args);
  }

  /** The pid of the pod's sandbox (pause) process, whose namespaces the pod's containers share. */
  public long sandboxPid(Pod pod) {
    String uid = pod.getMetadata().getUid();
    String ids =
        ctr(
            "containers ls -q 'labels.\"io.kubernetes.pod.uid\"=="
                + uid
                + ",labels.\"io.cri-containerd.kind\"==sandbox'");
    for (String line : ctr("tasks ls").split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 3 && ids.contains(f[0]) && f[2].equals("RUNNING")) {
        return Long.parseLong(f[1]);
      }
    }
    throw new IllegalStateException("no running sandbox for pod " + pod.getMetadata().getName());
  }

  /** Runs a shell command in the pod's network namespace (from the host: its tools, as root). */
  public ProcessResult inPodNetwork(Pod pod, String command) {
    return Sh.run("nsenter --net=/proc/" + sandboxPid(pod) + "/ns/net " + command);
  }

  /** Where the kubelet mounted the pod's volume {@code volume} on this machine. */
  public Path podVolume(Pod pod, String volume) {
    Path volumes = kubeletRoot().resolve("pods/" + pod.getMetadata().getUid() + "/volumes");
    try (Stream<Path> plugins = Files.list(volumes)) {
      return plugins
          .map(p -> p.resolve(volume))
          .filter(Files::isDirectory)
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no volume " + volume + " in " + volumes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates the namespace, its link, routes and API proxy, the cgroups and the configs. */
  void create(KubeletNodes.ClusterAccess api, String pauseImage) {
    String ns = netns();
    String in = "ip -n " + ns + " ";
    Sh.ok(
        String.join(
            " && ",
            "ip netns add " + ns,
            "ip link add " + link.hostVeth(index) + " type veth peer name eth0 netns " + ns,
            "ip link set " + link.hostVeth(index) + " master " + link.bridge() + " up",
            in + "addr add " + address() + "/24 dev eth0",
            in + "link set lo up",
            in + "link set eth0 up",
            in + "route add default via " + link.hostAddress(),
            // the pod bridge's gateway forwards for the pods (the CNI bridge would set it too)
            "nsenter --net=" + netnsPath() + " sysctl -qw net.ipv4.ip_forward=1",
            // the host reaches the pods through their node (no forwarding on the host needed)
            "ip route add " + podCidr() + " via " + address() + " dev " + link.bridge()));
    Map<String, String> vars =
        Map.ofEntries(
            Map.entry("dir", dir.toString()),
            Map.entry("containerdSocket", containerdSocket().toString()),
            Map.entry("pauseImage", pauseImage),
            Map.entry("runc", "/usr/sbin/runc"),
            Map.entry("cniBin", KubeletNodes.CNI_BIN.toString()),
            Map.entry("network", link.prefix() + name),
            Map.entry("podCidr", podCidr()),
            Map.entry("podGateway", link.podGateway(index)),
            Map.entry("cgroupRoot", cgroupRoot()),
            Map.entry("nodeIp", address()),
            Map.entry("caFile", api.caFile().toString()),
            Map.entry("serviceIp", SERVICE_IP),
            Map.entry("apiHost", api.host()),
            Map.entry("apiPort", Integer.toString(api.port())));
    write("containerd.toml", KubeletNodes.render("containerd.toml", vars));
    write("cni/net.d/10-pods.conflist", KubeletNodes.render("pods.conflist", vars));
    write("kubelet.yaml", KubeletNodes.render("kubelet.yaml", vars));
    write("api-proxy.nft", KubeletNodes.render("api-proxy.nft", vars));
    exec("nft -f " + dir.resolve("api-proxy.nft"));
    createCgroups();
  }

  /** Routes this node's namespace to {@code other}'s pods straight over the bridge. */
  void routeTo(KubeletNode other) {
    Sh.ok("ip -n " + netns() + " route add " + other.podCidr() + " via " + other.address());
  }

  /**
   * {@code cgroupRoot} in every hierarchy (the kubelet requires it), cpuset filled from the root,
   * and {@code runtime/} in the v2 hierarchy for the kubelet, containerd and the shims: killing the
   * node's cgroup kills all of the node.
   */
  private void createCgroups() {
    try {
      for (Path h : Cgroups.hierarchies()) {
        Path d = Files.createDirectories(Path.of(h + cgroupRoot()));
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
          if (Files.exists(h.resolve(f)) && KubeletHost.readKernelFile(d.resolve(f)).isEmpty()) {
            Files.writeString(d.resolve(f), KubeletHost.readKernelFile(h.resolve(f)));
          }
        }
      }
      Files.createDirectories(runtimeCgroup());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path runtimeCgroup() {
    return Path.of(Cgroups.root() + cgroupRoot() + "/runtime");
  }

  void startContainerd() {
    containerd =
        launch(
            "containerd",
            List.of("/usr/bin/containerd", "--config", dir.resolve("containerd.toml").toString()));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Sh.run("ctr -a " + containerdSocket() + " version").succeeded()) {
      if (!containerd.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "containerd of " + name + " did not come up:\n" + containerd.logTail());
      }
      LocalCluster.sleep(50);
    }
  }

  void importImage(Path archive) {
    Commands.run(
            Duration.ofMinutes(5),
            List.of(
                "ctr",
                "-a",
                containerdSocket().toString(),
                "-n",
                "k8s.io",
                "images",
                "import",
                archive.toString()))
        .orThrow();
  }

  void startKubelet(Path kubeconfig) {
    kubeletStarted = System.nanoTime();
    kubelet =
        launch(
            "kubelet",
            List.of(
                KubeBinaries.locate().kubelet().toString(),
                "--config=" + dir.resolve("kubelet.yaml"),
                // The admin kubeconfig: the API server authorizes with RBAC only (no Node
                // authorizer), and no binding gives system:nodes what a kubelet needs.
                "--kubeconfig=" + kubeconfig,
                "--hostname-override=" + name,
                "--node-ip=" + address(),
                "--root-dir=" + kubeletRoot(),
                "--cert-dir=" + dir.resolve("pki"),
                "--v=2"));
  }

  /** Waits until the Node is Ready and has lost the not-ready taint (the lifecycle controller). */
  void awaitReady(KubernetesClient client, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!readyAndSchedulable(client.nodes().withName(name).get())) {
      if (!kubelet.isAlive()) {
        throw new IllegalStateException("kubelet of " + name + " exited:\n" + kubelet.logTail());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "node " + name + " not Ready after " + limit + ":\n" + kubelet.logTail());
      }
      LocalCluster.sleep(100);
    }
    readyAfter = Duration.ofNanos(System.nanoTime() - kubeletStarted);
  }

  private static boolean readyAndSchedulable(Node node) {
    return node != null
        && node.getStatus() != null
        && node.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))
        && (node.getSpec().getTaints() == null
            || node.getSpec().getTaints().stream()
                .noneMatch(t -> t.getKey().startsWith("node.kubernetes.io/")));
  }

  private ManagedProcess launch(String process, List<String> command) {
    String wrapper =
        "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            + " && echo $$ > "
            + runtimeCgroup().resolve("cgroup.procs")
            + " && exec nsenter --net="
            + netnsPath()
            + " -- \"$@\"";
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", wrapper, process));
    cmd.addAll(command);
    return ManagedProcess.start(process, dir, cmd);
  }

  private void write(String file, String content) {
    try {
      Path p = dir.resolve(file);
      Files.createDirectories(p.getParent());
      Files.writeString(p, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops the kubelet (SIGTERM), then kills everything left in the node's cgroup (containerd, the
   * shims, the containers) and removes the node's cgroups and namespace. Mounts are left to {@link
   * KubeletNodes}, which unmounts the whole tree at once.
   */
  void stop() {
    if (kubelet != null) {
      kubelet.stop();
    }
    if (containerd != null) {
      containerd.stop();
    }
    Cgroups.killAndRemove(Path.of(Cgroups.root() + cgroupRoot()));
    for (Path h : Cgroups.hierarchies()) {
      Cgroups.removeTree(Path.of(h + cgroupRoot()));
    }
    Sh.quiet("ip netns del " + netns());
    Sh.quiet("ip route del " + podCidr());
  }
}
