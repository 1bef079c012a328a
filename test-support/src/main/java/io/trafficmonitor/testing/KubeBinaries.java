package io.trafficmonitor.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Where the control-plane binaries are: {@code hack/build-k8s.sh} builds kube-apiserver,
 * kube-controller-manager, kube-scheduler and kubectl into {@code
 * ~/.cache/trafficmonitor/k8s/<version>/bin}, with etcd built from its own module at the version
 * that Kubernetes requires (Debian's etcd 3.4 cannot serve kube-apiserver 1.34's watch streams).
 * The kubelet of {@link KubeletNodes} is built there too, but {@link #missing()} leaves it out:
 * only the real-node tier needs it.
 */
public final class KubeBinaries {
  /** The Kubernetes release that hack/k8s/go.mod pins. */
  public static final String KUBERNETES_VERSION = "v1.34.4";

  private final Path kubeDir;
  private final Path etcd;

  private KubeBinaries(Path kubeDir, Path etcd) {
    this.kubeDir = kubeDir;
    this.etcd = etcd;
  }

  /** Finds the binaries, honouring {@code TM_K8S_BIN} and {@code TM_ETCD}. */
  public static KubeBinaries locate() {
    String override = System.getenv("TM_K8S_BIN");
    Path dir;
    if (override != null && !override.isBlank()) {
      dir = Paths.get(override);
    } else {
      String cache = System.getenv("TM_CACHE");
      Path base =
          cache != null && !cache.isBlank()
              ? Paths.get(cache)
              : Paths.get(System.getProperty("user.home"), ".cache", "trafficmonitor");
      dir = base.resolve("k8s").resolve(KUBERNETES_VERSION).resolve("bin");
    }
    String etcdOverride = System.getenv("TM_ETCD");
    Path etcd =
        etcdOverride != null && !etcdOverride.isBlank()
            ? Paths.get(etcdOverride)
            : dir.resolve("etcd");
    return new KubeBinaries(dir, etcd);
  }

  /** Names every binary that is missing, empty when all are present. */
  public List<String> missing() {
    return List.of(etcd(), apiServer(), controllerManager(), scheduler(), kubectl()).stream()
        .filter(p -> !Files.isExecutable(p))
        .map(Path::toString)
        .toList();
  }

  /** Fails with a message that says how to build what is missing. */
  public KubeBinaries requirePresent() {
    List<String> missing = missing();
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "control-plane binaries missing: "
              + missing
              + "; run hack/setup.sh (it builds etcd and Kubernetes "
              + KUBERNETES_VERSION
              + ")");
    }
    return this;
  }

  public Path etcd() {
    return etcd;
  }

  public Path apiServer() {
    return kubeDir.resolve("kube-apiserver");
  }

  public Path controllerManager() {
    return kubeDir.resolve("kube-controller-manager");
  }

  public Path scheduler() {
    return kubeDir.resolve("kube-scheduler");
  }

  public Path kubectl() {
    return kubeDir.resolve("kubectl");
  }

  /** The kubelet, built beside the control plane; only {@link KubeletNodes} needs it. */
  public Path kubelet() {
    return kubeDir.resolve("kubelet");
  }
}
