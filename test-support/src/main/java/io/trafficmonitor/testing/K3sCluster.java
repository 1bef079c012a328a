package io.trafficmonitor.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/** k3s in a container through Testcontainers, for machines where a container engine answers. */
final class K3sCluster implements TestCluster {
  static final String IMAGE = "rancher/k3s:v1.34.4-k3s1";

  private final K3sContainer container;
  private final Path kubeconfig;
  private final Config config;
  private final KubernetesClient client;

  private K3sCluster(K3sContainer container) throws IOException {
    this.container = container;
    String yaml = container.getKubeConfigYaml();
    this.kubeconfig = Files.createTempFile("tm-k3s-", ".kubeconfig");
    Files.writeString(kubeconfig, yaml);
    this.config = Config.fromKubeconfig(yaml);
    this.client = new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Whether a container engine answers here; the reason is printed by callers that skip. */
  static boolean engineAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  static K3sCluster start() {
    if (!engineAvailable()) {
      throw new IllegalStateException(
          "TM_CLUSTER=k3s needs a container engine, and none answers on this machine");
    }
    K3sContainer k3s = new K3sContainer(DockerImageName.parse(IMAGE));
    k3s.start();
    try {
      return new K3sCluster(k3s);
    } catch (IOException e) {
      k3s.stop();
      throw new UncheckedIOException(e);
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

  @Override
  public void close() {
    client.close();
    container.stop();
    try {
      Files.deleteIfExists(kubeconfig);
    } catch (IOException ignored) {
      // a temp file; the OS cleans it
    }
  }
}
