package io.trafficmonitor.plugin;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;

/**
 * The caller's own way to the API server, read as kubectl reads it: the kubeconfig (--kubeconfig,
 * else $KUBECONFIG, else ~/.kube/config; in a pod, its service account), the context, the namespace
 * and impersonation. The plugin has no credentials of its own: whatever it reads, the API server
 * authorizes as the caller.
 */
public final class Connection {

  private Connection() {}

  /**
   * The fabric8 configuration of {@code options}.
   *
   * @throws PluginException when the kubeconfig or the context does not exist
   */
  public static Config config(Options options) {
    Config config;
    if (options.kubeconfig() != null) {
      File file = new File(options.kubeconfig());
      if (!file.isFile()) {
        throw PluginException.failed("no kubeconfig at " + options.kubeconfig());
      }
      config = Config.fromKubeconfig(options.context(), file);
    } else {
      config = Config.autoConfigure(options.context());
    }
    if (options.context() != null) {
      NamedContext current = config.getCurrentContext();
      if (current == null || !options.context().equals(current.getName())) {
        throw PluginException.failed("context " + options.context() + " is not in the kubeconfig");
      }
    }
    if (options.as() != null) {
      config.setImpersonateUsername(options.as());
    }
    if (!options.asGroups().isEmpty()) {
      config.setImpersonateGroups(options.asGroups().toArray(String[]::new));
    }
    // An answer of the API server is final here: a 503 of the live API is reported at once
    // instead of after fabric8's ten retries; the stream reconnects by itself.
    config.setRequestRetryBackoffLimit(0);
    return config;
  }

  /** The monitor the options name, in -n's namespace, else the context's, else "default". */
  public static Monitor monitor(Options options, Config config) {
    if (options.clusterMonitor()) {
      return new Monitor(null, options.monitorName());
    }
    String namespace = options.namespace();
    if (namespace == null || namespace.isBlank()) {
      namespace = config.getNamespace();
    }
    if (namespace == null || namespace.isBlank()) {
      namespace = "default";
    }
    return new Monitor(namespace, options.monitorName());
  }

  public static KubernetesClient client(Config config) {
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
