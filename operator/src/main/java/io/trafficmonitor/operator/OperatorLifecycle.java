package io.trafficmonitor.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.trafficmonitor.operator.live.LiveApiServer;
import io.trafficmonitor.operator.live.LiveSettings;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Starts the operator with the Quarkus application and stops it with it. The cluster comes from the
 * in-cluster service account, {@code KUBECONFIG}, or {@code trafficmonitor.kubeconfig}.
 */
@ApplicationScoped
public class OperatorLifecycle {
  private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);

  private final MeterRegistry registry;
  private final Optional<String> kubeconfig;
  private final Set<String> namespaces;
  private volatile KubernetesClient client;
  private volatile TrafficMonitorOperator operator;
  private volatile LiveApiServer live;
  private final Vertx vertx;

  public OperatorLifecycle(
      MeterRegistry registry,
      Vertx vertx,
      @ConfigProperty(name = "trafficmonitor.kubeconfig") Optional<String> kubeconfig,
      @ConfigProperty(name = "trafficmonitor.namespaces") Optional<Set<String>> namespaces) {
    this.registry = registry;
    this.vertx = vertx;
    this.kubeconfig = kubeconfig;
    this.namespaces = watched(namespaces);
  }

  void onStart(@Observes StartupEvent event) {
    Config config =
        kubeconfig.isPresent()
            ? Config.fromKubeconfig(null, readFile(kubeconfig.get()), kubeconfig.get())
            : Config.autoConfigure(null);
    client = new KubernetesClientBuilder().withConfig(config).build();
    operator = TrafficMonitorOperator.create(client, registry, namespaces);
    operator.start();
    live =
        LiveApiServer.start(
            vertx,
            client,
            OperatorSettings.current().namespace(),
            AgentSettings.current().metricsPort(),
            AgentSettings.current().agentTls(),
            LiveSettings.fromConfig());
    LOG.infof("trafficmonitor operator started against %s", config.getMasterUrl());
  }

  void onStop(@Observes ShutdownEvent event) {
    if (live != null) {
      live.close();
    }
    if (operator != null) {
      operator.stop();
    }
    if (client != null) {
      client.close();
    }
  }

  /**
   * {@code trafficmonitor.namespaces}, else {@code quarkus.operator-sdk.namespaces} (the name the
   * chart sets); JOSDK_ALL_NAMESPACES or nothing means all namespaces.
   */
  private static Set<String> watched(Optional<Set<String>> configured) {
    Set<String> names =
        configured
            .or(
                () ->
                    ConfigProvider.getConfig()
                        .getOptionalValues("quarkus.operator-sdk.namespaces", String.class)
                        .map(Set::copyOf))
            .orElse(Set.of());
    return names.stream()
        .map(String::trim)
        .filter(n -> !n.isEmpty() && !n.equals("JOSDK_ALL_NAMESPACES"))
        .collect(Collectors.toUnmodifiableSet());
  }

  /** The running operator, or null before start; for the health checks. */
  TrafficMonitorOperator operator() {
    return operator;
  }

  private static String readFile(String path) {
    try {
      return Files.readString(Path.of(path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read kubeconfig " + path, e);
    }
  }
}
