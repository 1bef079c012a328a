package io.trafficmonitor.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A real Kubernetes control plane run as local processes: etcd, kube-apiserver,
 * kube-controller-manager (namespace, garbage-collector, DaemonSet, Deployment, ReplicaSet,
 * service-account and ClusterRole-aggregation controllers) and kube-scheduler, all on loopback
 * ports, with certificates made for this run; the API server authorizes by RBAC. No kubelet: pods
 * are scheduled but run only where a test plays the kubelet.
 *
 * <p>With {@link Options#kubeletNodes()} the control plane also gets what real nodes and their pods
 * rely on, and {@link #addKubeletNodes} adds {@link KubeletNodes}.
 *
 * <p>{@link #close()} stops every process and deletes the cluster's directory; a cluster left
 * behind by a JVM that was killed is swept by the next {@link #start()}.
 */
public final class LocalCluster implements TestCluster {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /** The file in a cluster's directory that names its {@link NodeLink} slot, for the sweep. */
  static final String KUBELET_SLOT_FILE = "kubelet-slot";

  /**
   * How to start a cluster.
   *
   * @param kubeletNodes prepare for real kubelet nodes: the API server listens on the nodes' bridge
   *     instead of loopback (its certificate names that address), prefers the nodes' InternalIP
   *     when it calls a kubelet and presents a client certificate there; the ServiceAccount
   *     admission plugin mounts tokens into pods; kube-controller-manager adds the node-lifecycle
   *     controller (it removes the not-ready taint of a new node once it is Ready), the root-CA
   *     publisher (the {@code kube-root-ca.crt} ConfigMaps that pod tokens need) and the pod
   *     garbage collector. Off by default: the rig's Node objects have no kubelet behind them, so
   *     the lifecycle controller would mark them unreachable and evict their pods.
   */
  public record Options(boolean kubeletNodes) {
    public static final Options DEFAULT = new Options(false);
    public static final Options KUBELET_NODES = new Options(true);
  }

  private final Path dir;
  private final Options options;
  private final List<ManagedProcess> processes = new ArrayList<>();
  private Path kubeconfig;
  private Config config;
  private KubernetesClient client;
  private String apiServerHost = "127.0.0.1";
  private int apiServerPort;
  private Duration startTime;
  private ControlPlaneCerts certs;
  private NodeLink link;
  private KubeletNodes kubeletNodes;

  private LocalCluster(Path dir, Options options) {
    this.dir = dir;
    this.options = options;
  }

  /** The local cluster of this JVM (see {@link TestCluster#shared()}). */
  public static LocalCluster shared() {
    TestCluster c = TestCluster.shared();
    if (c instanceof LocalCluster local) {
      return local;
    }
    throw new IllegalStateException("the shared cluster is not local: " + c.getClass());
  }

  /** Starts a new control plane; the caller closes it. */
  public static LocalCluster start() {
    return start(Options.DEFAULT);
  }

  /** Starts a new control plane with these options; the caller closes it. */
  public static LocalCluster start(Options options) {
    KubeBinaries bin = KubeBinaries.locate().requirePresent();
    if (options.kubeletNodes() && !KubeletNodes.missing().isEmpty()) {
      throw new IllegalStateException("kubelet nodes need " + KubeletNodes.missing());
    }
    ClusterDirs.sweepAbandoned();
    LocalCluster cluster = new LocalCluster(ClusterDirs.create(), options);
    try {
      cluster.boot(bin);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Starts a control plane for kubelet nodes and {@code count} Ready nodes; the caller closes it.
   */
  public static LocalCluster startWithKubeletNodes(int count) {
    LocalCluster cluster = start(Options.KUBELET_NODES);
    try {
      cluster.addKubeletNodes(count);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void boot(KubeBinaries bin) {
    long t0 = System.nanoTime();
    List<String> extraIps = List.of();
    if (options.kubeletNodes()) {
      link = NodeLink.acquire();
      writeFile(dir.resolve(KUBELET_SLOT_FILE), Integer.toString(link.slot()));
      apiServerHost = link.hostAddress();
      extraIps = List.of(apiServerHost);
    }
    certs = ControlPlaneCerts.generate(dir.resolve("pki"), extraIps);
    int etcdPort = freePort();
    int etcdPeerPort = freePort();
    apiServerPort = freePort();
    int kcmPort = freePort();
    int schedulerPort = freePort();

    String etcdUrl = "http://127.0.0.1:" + etcdPort;
    String peerUrl = "http://127.0.0.1:" + etcdPeerPort;
    ManagedProcess etcd =
        launch(
            "etcd",
            bin.etcd().toString(),
            "--name=local",
            "--data-dir=" + dir.resolve("etcd"),
            "--listen-client-urls=" + etcdUrl,
            "--advertise-client-urls=" + etcdUrl,
            "--listen-peer-urls=" + peerUrl,
            "--initial-advertise-peer-urls=" + peerUrl,
            "--initial-cluster=local=" + peerUrl,
            // The data lives in memory (/dev/shm) and dies with the test: no fsync needed.
            "--unsafe-no-fsync",
            "--log-level=warn");
    waitFor("etcd to listen on " + etcdPort, etcd, () -> portOpen(etcdPort));

    List<String> apiServerArgs =
        new ArrayList<>(
            List.of(
                bin.apiServer().toString(),
                "--etcd-servers=" + etcdUrl,
                "--bind-address=" + apiServerHost,
                "--advertise-address=" + apiServerHost,
                "--secure-port=" + apiServerPort,
                "--cert-dir=" + dir.resolve("apiserver-certs"),
                "--tls-cert-file=" + certs.serverCert,
                "--tls-private-key-file=" + certs.serverKey,
                "--client-ca-file=" + certs.caCert,
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + certs.serviceAccountPub,
                "--service-account-signing-key-file=" + certs.serviceAccountKey,
                "--service-cluster-ip-range=10.0.0.0/24",
                "--allow-privileged=true",
                // The aggregation layer, as kubeadm sets it up (the operator's live API)
                "--requestheader-client-ca-file=" + certs.frontProxyCa,
                "--requestheader-allowed-names=" + ControlPlaneCerts.PROXY_CLIENT_NAME,
                "--requestheader-username-headers=X-Remote-User",
                "--requestheader-group-headers=X-Remote-Group",
                "--requestheader-extra-headers-prefix=X-Remote-Extra-",
                "--proxy-client-cert-file=" + certs.proxyClientCert,
                "--proxy-client-key-file=" + certs.proxyClientKey,
                // No kube-proxy on the API server's host: it calls an APIService's endpoints
                "--enable-aggregator-routing=true",
                "--v=0"));
    if (options.kubeletNodes()) {
      apiServerArgs.addAll(
          List.of(
              // node names do not resolve; the InternalIP is the node's address on the bridge
              "--kubelet-preferred-address-types=InternalIP",
              // the kubelets authenticate the API server by this certificate (system:masters)
              "--kubelet-client-certificate=" + certs.clientCert,
              "--kubelet-client-key=" + certs.clientKey));
    } else {
      // No kubelet mounts tokens here; pods must not wait for service accounts.
      apiServerArgs.add("--disable-admission-plugins=ServiceAccount");
    }
    ManagedProcess apiServer = launch("kube-apiserver", apiServerArgs.toArray(String[]::new));

    kubeconfig = dir.resolve("kubeconfig");
    writeKubeconfig(certs);
    try {
      config = Config.fromKubeconfig(Files.readString(kubeconfig));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client = new KubernetesClientBuilder().withConfig(config).build();
    waitFor("kube-apiserver /readyz", apiServer, this::apiServerReady);

    String controllers =
        "namespace-controller,garbage-collector-controller,"
            + "daemonset-controller,deployment-controller,replicaset-controller,"
            + "serviceaccount-controller,clusterrole-aggregation-controller";
    List<String> kcmArgs =
        new ArrayList<>(
            List.of(
                bin.controllerManager().toString(),
                "--kubeconfig=" + kubeconfig,
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                "--secure-port=" + kcmPort,
                "--concurrent-gc-syncs=5",
                "--v=0"));
    if (options.kubeletNodes()) {
      controllers +=
          ",node-lifecycle-controller,root-ca-certificate-publisher-controller,"
              + "pod-garbage-collector-controller,"
              // a Service's endpoints, which Prometheus' Kubernetes discovery reads
              + "endpoints-controller,endpointslice-controller";
      kcmArgs.add("--root-ca-file=" + certs.caCert);
    }
    kcmArgs.add("--controllers=" + controllers);
    ManagedProcess kcm = launch("kube-controller-manager", kcmArgs.toArray(String[]::new));
    ManagedProcess scheduler =
        launch(
            "kube-scheduler",
            bin.scheduler().toString(),
            "--kubeconfig=" + kubeconfig,
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            "--secure-port=" + schedulerPort,
            "--v=0");
    waitFor(
        "the service-account controller to create default/default",
        kcm,
        () -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
    waitFor(
        "kube-scheduler to listen on " + schedulerPort, scheduler, () -> portOpen(schedulerPort));
    startTime = Duration.ofNanos(System.nanoTime() - t0);
    System.err.printf(
        "local cluster up in %d ms: %s, kubeconfig %s%n", startTime.toMillis(), url(), kubeconfig);
  }

  /**
   * Starts {@code count} real kubelet nodes (see {@link KubeletNodes}) and waits until they are
   * Ready; nodes added by later calls join the same {@link KubeletNodes}. Needs {@link
   * Options#kubeletNodes()}.
   */
  public synchronized KubeletNodes addKubeletNodes(int count) {
    kubeletNodes().add(count);
    return kubeletNodes;
  }

  /** This cluster's kubelet nodes (none until {@link #addKubeletNodes}). */
  public synchronized KubeletNodes kubeletNodes() {
    if (!options.kubeletNodes()) {
      throw new IllegalStateException("start the cluster with Options.KUBELET_NODES");
    }
    if (kubeletNodes == null) {
      kubeletNodes =
          new KubeletNodes(
              this,
              link,
              new KubeletNodes.ClusterAccess(
                  apiServerHost, apiServerPort, certs.caCert, kubeconfig),
              dir);
    }
    return kubeletNodes;
  }

  /** The options this cluster was started with. */
  public Options options() {
    return options;
  }

  private static void writeFile(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private boolean apiServerReady() {
    try {
      return "ok".equals(client.raw("/readyz"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void writeKubeconfig(ControlPlaneCerts certs) {
    Base64.Encoder b64 = Base64.getEncoder();
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: https://%s:%d
            certificate-authority-data: %s
        users:
        - name: admin
          user:
            client-certificate-data: %s
            client-key-data: %s
        contexts:
        - name: local
          context: {cluster: local, user: admin, namespace: default}
        current-context: local
        """
            .formatted(
                apiServerHost,
                apiServerPort,
                b64.encodeToString(ControlPlaneCerts.pem(certs.caCert).getBytes()),
                b64.encodeToString(ControlPlaneCerts.pem(certs.clientCert).getBytes()),
                b64.encodeToString(ControlPlaneCerts.pem(certs.clientKey).getBytes()));
    try {
      Files.writeString(kubeconfig, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ManagedProcess launch(String name, String... command) {
    ManagedProcess p = ManagedProcess.start(name, dir, List.of(command));
    processes.add(p);
    return p;
  }

  private static void waitFor(String what, ManagedProcess process, BooleanSupplier condition) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            process.name() + " exited while waiting for " + what + ":\n" + process.logTail());
      }
      if (condition.getAsBoolean()) {
        return;
      }
      sleep(100);
    }
    throw new IllegalStateException(
        "timed out after " + START_TIMEOUT + " waiting for " + what + ":\n" + process.logTail());
  }

  static boolean portOpen(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Where the components' ports come from: below the kernel's ephemeral range (32768-60999 by
   * default), so that no outgoing connection (the API server's to etcd, say) takes a port between
   * its choice here and the component's bind, as one did when ports came from bind(0): the
   * kube-controller-manager failed with "address already in use". A random start per JVM keeps two
   * test JVMs apart.
   */
  static final int PORT_BASE = 20000;

  static final int PORT_COUNT = 12000;

  private static final AtomicInteger NEXT_PORT =
      new AtomicInteger(ThreadLocalRandom.current().nextInt(PORT_COUNT));

  public static int freePort() {
    for (int attempt = 0; attempt < PORT_COUNT; attempt++) {
      int port = PORT_BASE + Math.floorMod(NEXT_PORT.getAndIncrement(), PORT_COUNT);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress("0.0.0.0", port), 1);
        return port;
      } catch (IOException inUse) {
        // taken: the next one
      }
    }
    throw new IllegalStateException(
        "no free port in " + PORT_BASE + "-" + (PORT_BASE + PORT_COUNT - 1));
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public Config config() {
    return config;
  }

  @Override
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The API server's URL (on loopback, or on the nodes' bridge with kubelet nodes). */
  public String url() {
    return "https://" + apiServerHost + ":" + apiServerPort;
  }

  /** How long {@link #start()} took, from generating certificates to a ready scheduler. */
  public Duration startTime() {
    return startTime;
  }

  /** The directory that holds this cluster's state, logs and kubeconfig. */
  public Path directory() {
    return dir;
  }

  /** The processes of this cluster, for tests that check nothing is left behind. */
  public List<ProcessHandle> processHandles() {
    return processes.stream().map(ManagedProcess::handle).toList();
  }

  @Override
  public synchronized void close() {
    if (kubeletNodes != null) {
      kubeletNodes.close();
    }
    if (client != null) {
      client.close();
      client = null;
    }
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).stop();
    }
    if (link != null) {
      link.close();
    }
    if (System.getenv("TM_KEEP_CLUSTER_DIR") != null) {
      System.err.println("kept the local cluster's directory (TM_KEEP_CLUSTER_DIR): " + dir);
    } else {
      ClusterDirs.delete(dir);
    }
  }
}
