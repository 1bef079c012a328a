package io.trafficmonitor.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Real kubelet nodes of a {@link LocalCluster} started with {@link
 * LocalCluster.Options#kubeletNodes()}: each {@link KubeletNode} is a network namespace with its
 * own containerd 1.6, runc and CNI bridge, and a real kubelet {@value
 * KubeBinaries#KUBERNETES_VERSION}. Pods run as containers; images come from archives ({@link
 * #loadImage}), never from a registry.
 *
 * <p>What stands in for what: {@link NodeLink}'s bridge is the machine network (the API server
 * listens on it); each node's routes to the other nodes' pod ranges are the CNI's routing; an nft
 * DNAT in each node's namespace is kube-proxy for the {@code kubernetes} Service only.
 */
public final class KubeletNodes implements AutoCloseable {
  static final Path CNI_BIN = Path.of("/usr/lib/cni");
  private static final Duration READY_LIMIT = Duration.ofSeconds(90);

  /** How the nodes reach the API server. */
  record ClusterAccess(String host, int port, Path caFile, Path kubeconfig) {}

  private final LocalCluster cluster;
  private final KubernetesClient client;
  private final NodeLink link;
  private final ClusterAccess api;
  private final Path clusterDir;
  private final String pauseImage;
  private final List<KubeletNode> nodes = new ArrayList<>();
  private final List<Path> images = new ArrayList<>();
  private Duration setupTime = Duration.ZERO;
  private boolean closed;

  KubeletNodes(LocalCluster cluster, NodeLink link, ClusterAccess api, Path clusterDir) {
    this.cluster = cluster;
    this.client = cluster.client();
    this.link = link;
    this.api = api;
    this.clusterDir = clusterDir;
    Path pause = pauseArchive();
    this.pauseImage = ImageArchive.names(pause).get(0);
    images.add(pause);
  }

  /** What this machine lacks for kubelet nodes; empty when it has everything. */
  public static List<String> missing() {
    List<String> missing = new ArrayList<>();
    if (!"root".equals(System.getProperty("user.name"))) {
      missing.add("root");
    }
    KubeBinaries bin = KubeBinaries.locate();
    missing.addAll(bin.missing());
    List<Path> tools =
        List.of(
            bin.kubelet(),
            Path.of("/usr/bin/containerd"),
            Path.of("/usr/bin/containerd-shim-runc-v2"),
            Path.of("/usr/bin/ctr"),
            Path.of("/usr/sbin/runc"),
            Path.of("/usr/sbin/nft"),
            Path.of("/usr/bin/nsenter"),
            CNI_BIN.resolve("bridge"),
            CNI_BIN.resolve("host-local"),
            CNI_BIN.resolve("loopback"));
    tools.stream().filter(p -> !Files.isExecutable(p)).forEach(p -> missing.add(p.toString()));
    if (!Files.isReadable(pauseArchive())) {
      missing.add(pauseArchive() + " (images/build.sh pause)");
    }
    return missing;
  }

  /** Fails under CI, skips elsewhere, naming what is missing (see {@link Requirements}). */
  public static void requireSupported() {
    List<String> missing = missing();
    Requirements.require(
        missing.isEmpty(),
        "kubelet nodes need "
            + missing
            + " (hack/setup.sh installs containerd, runc, CNI plugins and nftables and builds the"
            + " kubelet)");
  }

  /** The pause image archive: {@code TM_PAUSE_IMAGE}, else {@code target/images/pause.tar}. */
  public static Path pauseArchive() {
    String override = System.getenv("TM_PAUSE_IMAGE");
    return override != null && !override.isBlank()
        ? Path.of(override)
        : Tools.repoRoot().resolve("target/images/pause.tar");
  }

  /** An archive of {@code target/images} by name ({@code images/build.sh <name>} builds it). */
  public static Path imageArchive(String name) {
    return Tools.repoRoot().resolve("target/images/" + name + ".tar");
  }

  /** Starts {@code count} more nodes in parallel and waits until all are Ready. */
  public List<KubeletNode> add(int count) {
    String[] names = new String[count];
    for (int i = 0; i < count; i++) {
      names[i] = "node-" + (nodes.size() + i + 1);
    }
    return add(names);
  }

  /** Starts nodes of these names in parallel and waits until all are Ready and schedulable. */
  public synchronized List<KubeletNode> add(String... names) {
    if (closed) {
      throw new IllegalStateException("kubelet nodes closed");
    }
    long t0 = System.nanoTime();
    if (nodes.isEmpty()) {
      KubeletHost.shareBpffs();
    }
    List<KubeletNode> added = new ArrayList<>();
    for (String name : names) {
      int index = nodes.size() + added.size();
      if (index >= NodeLink.MAX_NODES) {
        throw new IllegalArgumentException("at most " + NodeLink.MAX_NODES + " kubelet nodes");
      }
      KubeletNode node = new KubeletNode(name, index, link, clusterDir.resolve("n-" + name));
      checkSocketPaths(node);
      node.clearAgentState();
      added.add(node);
    }
    List<KubeletNode> old = List.copyOf(nodes);
    nodes.addAll(added);
    parallel(
        added,
        n -> {
          n.create(api, pauseImage);
          n.startContainerd();
          images.forEach(n::importImage);
        });
    for (KubeletNode n : added) {
      for (KubeletNode other : nodes) {
        if (other != n) {
          n.routeTo(other);
          if (old.contains(other)) {
            other.routeTo(n);
          }
        }
      }
    }
    KubeletHost.withKernelTunablesRestored(
        () -> {
          for (KubeletNode n : added) {
            startKubeletAlone(n);
          }
          parallel(added, n -> n.awaitReady(client, READY_LIMIT));
          return null;
        });
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    setupTime = setupTime.plus(took);
    for (KubeletNode n : added) {
      System.err.printf(
          "kubelet node %s (%s, pods %s) Ready %d ms after its kubelet started%n",
          n.name(), n.address(), n.podCidr(), n.readyAfter().toMillis());
    }
    System.err.printf("kubelet nodes up: %d in %d ms%n", added.size(), took.toMillis());
    return List.copyOf(added);
  }

  /**
   * Every kubelet serves device-plugin registration on the same hard-coded socket, {@value
   * #DEVICE_PLUGIN_SOCKET}, after removing what is in its directory: two kubelets starting at once
   * can both remove, then one fails to bind ("address already in use") and exits. So a kubelet
   * starts only once the previous one is listening there; a later kubelet unlinks the earlier one's
   * socket file, which nothing here uses (no device plugins).
   */
  private void startKubeletAlone(KubeletNode n) {
    Path socket = Path.of(DEVICE_PLUGIN_SOCKET);
    Object before = socketKey(socket);
    n.startKubelet(api.kubeconfig());
    Await.until(
        "the kubelet of " + n.name() + " listens on " + socket,
        READY_LIMIT,
        () -> {
          Object now = socketKey(socket);
          return now != null && !now.equals(before);
        },
        () -> "kubelet log: " + n.directory().resolve("kubelet.log"));
  }

  /** The socket file's identity (device and inode), null when there is none. */
  private static Object socketKey(Path socket) {
    try {
      return Files.readAttributes(socket, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  static final String DEVICE_PLUGIN_SOCKET = "/var/lib/kubelet/device-plugins/kubelet.sock";

  /** Unix socket paths are limited to 107 bytes; the node's longest must fit. */
  private static void checkSocketPaths(KubeletNode n) {
    for (Path p :
        List.of(
            n.containerdSocket().resolveSibling("ctrd.sock.ttrpc"),
            n.kubeletRoot().resolve("pod-resources/kubelet.sock"))) {
      if (p.toString().length() > 107) {
        throw new IllegalArgumentException("node name too long for unix socket path " + p);
      }
    }
  }

  /** Imports an image archive into every node's containerd (and into nodes added later). */
  public synchronized void loadImage(Path archive) {
    long t0 = System.nanoTime();
    parallel(nodes, n -> n.importImage(archive));
    images.add(archive);
    System.err.printf(
        "loaded %s into %d nodes in %d ms%n",
        archive.getFileName(), nodes.size(), (System.nanoTime() - t0) / 1_000_000);
  }

  public synchronized List<KubeletNode> nodes() {
    return List.copyOf(nodes);
  }

  public synchronized KubeletNode node(String name) {
    return nodes.stream()
        .filter(n -> n.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no kubelet node " + name));
  }

  /** The node a pod was scheduled to. */
  public KubeletNode nodeOf(Pod pod) {
    return node(pod.getSpec().getNodeName());
  }

  /** The cluster these nodes belong to. */
  public LocalCluster cluster() {
    return cluster;
  }

  /** The sandbox image every node's containerd uses, from {@link #pauseArchive()}. */
  public String pauseImage() {
    return pauseImage;
  }

  /** The address pods and nodes reach the API server at (the kubernetes Service leads there). */
  public String apiServerAddress() {
    return api.host() + ":" + api.port();
  }

  /** Time spent in {@link #add} so far: namespaces, containerds, image imports, kubelets. */
  public synchronized Duration setupTime() {
    return setupTime;
  }

  /**
   * Stops every node and removes all it left: processes, mounts, cgroups, namespaces, routes, the
   * Node objects and their pods, and the host-wide entries. Safe twice.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long t0 = System.nanoTime();
    try {
      parallel(nodes, KubeletNode::stop);
    } finally {
      for (KubeletNode n : nodes) {
        unmountUnder(n.directory());
        deleteFromApi(n.name());
      }
      KubeletHost.removeLeftovers(clusterDir, link.prefix());
      KubeletHost.restoreBpffs(link.slot());
    }
    System.err.printf(
        "%d kubelet nodes stopped and cleaned up in %d ms%n",
        nodes.size(), (System.nanoTime() - t0) / 1_000_000);
  }

  private void deleteFromApi(String node) {
    try {
      client.pods().inAnyNamespace().withField("spec.nodeName", node).withGracePeriod(0).delete();
      client.nodes().withName(node).delete();
    } catch (RuntimeException e) {
      // the API server is gone already: nothing to delete
    }
  }

  /**
   * Removes what nodes of a killed run left under {@code clusterDir} and on the host: run by {@link
   * ClusterDirs} before it deletes the directory of a cluster whose JVM is gone.
   */
  static void sweep(Path clusterDir) {
    Path slotFile = clusterDir.resolve(LocalCluster.KUBELET_SLOT_FILE);
    if (!Files.exists(slotFile)) {
      return;
    }
    int slot;
    try {
      slot = Integer.parseInt(Files.readString(slotFile).trim());
    } catch (IOException | NumberFormatException e) {
      return;
    }
    if (NodeLink.free(slot)) {
      NodeLink.sweep(slot);
    }
    unmountUnder(clusterDir);
    KubeletHost.removeLeftovers(clusterDir, "tmk" + slot + "-");
    KubeletHost.restoreBpffs(-1);
    KubeletHost.restoreAbandonedTunables();
  }

  /** Unmounts every mount below {@code dir}, deepest first (lazily: their users are dead). */
  static void unmountUnder(Path dir) {
    for (int round = 0; round < 5; round++) {
      List<String> mounts = mountsUnder(dir);
      if (mounts.isEmpty()) {
        return;
      }
      mounts.forEach(m -> Sh.quiet("umount -l '" + m + "'"));
    }
    List<String> left = mountsUnder(dir);
    if (!left.isEmpty()) {
      throw new IllegalStateException("cannot unmount " + left);
    }
  }

  static List<String> mountsUnder(Path dir) {
    String prefix = dir.toString() + "/";
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .map(l -> l.split(" ")[4].replace("\\040", " "))
          .filter(m -> m.startsWith(prefix))
          .sorted(Comparator.comparingInt(String::length).reversed())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String render(String template, Map<String, String> vars) {
    String path = "/io/trafficmonitor/testing/kubelet/" + template;
    try (InputStream in = KubeletNodes.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("no template " + path);
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (Map.Entry<String, String> v : vars.entrySet()) {
        text = text.replace("${" + v.getKey() + "}", v.getValue());
      }
      if (text.contains("${")) {
        throw new IllegalStateException("unset variable in " + template + ":\n" + text);
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void parallel(List<KubeletNode> nodes, Consumer<KubeletNode> step) {
    List<CompletableFuture<Void>> all =
        nodes.stream()
            .map(
                n ->
                    CompletableFuture.runAsync(
                        () -> step.accept(n),
                        r -> new Thread(r, "kubelet-node-" + n.name()).start()))
            .toList();
    RuntimeException failure = null;
    for (CompletableFuture<Void> f : all) {
      try {
        f.join();
      } catch (RuntimeException e) {
        RuntimeException cause =
            e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
        if (failure == null) {
          failure = cause;
        } else {
          failure.addSuppressed(cause);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
