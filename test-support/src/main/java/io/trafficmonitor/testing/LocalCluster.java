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
import java.util.function.BooleanSupplier;

/**
 * A real Kubernetes control plane run as local processes: etcd, kube-apiserver,
 * kube-controller-manager (namespace, garbage-collector, DaemonSet, Deployment, ReplicaSet and
 * service-account controllers) and kube-scheduler, all on loopback ports, with certificates made
 * for this run. No kubelet: pods are scheduled but run only where a test plays the kubelet.
 *
 * <p>{@link #close()} stops every process and deletes the cluster's directory; a cluster left
 * behind by a JVM that was killed is swept by the next {@link #start()}.
 */
public final class LocalCluster implements TestCluster {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final List<ManagedProcess> processes = new ArrayList<>();
  private Path kubeconfig;
  private Config config;
  private KubernetesClient client;
  private int apiServerPort;
  private Duration startTime;

  private LocalCluster(Path dir) {
    this.dir = dir;
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
    KubeBinaries bin = KubeBinaries.locate().requirePresent();
    ClusterDirs.sweepAbandoned();
    LocalCluster cluster = new LocalCluster(ClusterDirs.create());
    try {
      cluster.boot(bin);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void boot(KubeBinaries bin) {
    long t0 = System.nanoTime();
    ControlPlaneCerts certs = ControlPlaneCerts.generate(dir.resolve("pki"));
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

    ManagedProcess apiServer =
        launch(
            "kube-apiserver",
            bin.apiServer().toString(),
            "--etcd-servers=" + etcdUrl,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
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
            // No kubelet mounts tokens here; pods must not wait for service accounts.
            "--disable-admission-plugins=ServiceAccount",
            "--v=0");

    kubeconfig = dir.resolve("kubeconfig");
    writeKubeconfig(certs);
    try {
      config = Config.fromKubeconfig(Files.readString(kubeconfig));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client = new KubernetesClientBuilder().withConfig(config).build();
    waitFor("kube-apiserver /readyz", apiServer, this::apiServerReady);

    ManagedProcess kcm =
        launch(
            "kube-controller-manager",
            bin.controllerManager().toString(),
            "--kubeconfig=" + kubeconfig,
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            "--secure-port=" + kcmPort,
            "--controllers=namespace-controller,garbage-collector-controller,"
                + "daemonset-controller,deployment-controller,replicaset-controller,"
                + "serviceaccount-controller",
            "--concurrent-gc-syncs=5",
            "--v=0");
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
        "local cluster up in %d ms: https://127.0.0.1:%d, kubeconfig %s%n",
        startTime.toMillis(), apiServerPort, kubeconfig);
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
            server: https://127.0.0.1:%d
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

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  /** The API server's URL. */
  public String url() {
    return "https://127.0.0.1:" + apiServerPort;
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
    if (client != null) {
      client.close();
      client = null;
    }
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).stop();
    }
    if (System.getenv("TM_KEEP_CLUSTER_DIR") != null) {
      System.err.println("kept the local cluster's directory (TM_KEEP_CLUSTER_DIR): " + dir);
    } else {
      ClusterDirs.delete(dir);
    }
  }
}
