package io.trafficmonitor.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A cluster that someone else runs, reached through a kubeconfig file. */
final class ExistingCluster implements TestCluster {
  private final Path kubeconfig;
  private final Config config;
  private final KubernetesClient client;

  private ExistingCluster(Path kubeconfig, Config config) {
    this.kubeconfig = kubeconfig;
    this.config = config;
    this.client = new KubernetesClientBuilder().withConfig(config).build();
  }

  static ExistingCluster from(Path kubeconfig) {
    try {
      return new ExistingCluster(kubeconfig, Config.fromKubeconfig(Files.readString(kubeconfig)));
    } catch (IOException e) {
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
  }
}
