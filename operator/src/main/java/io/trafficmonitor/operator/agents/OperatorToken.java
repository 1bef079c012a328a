package io.trafficmonitor.operator.agents;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The operator's bearer token for the agents' API: its pod's ServiceAccount token, read at each use
 * (the kubelet replaces it before it expires), else the token of its kubeconfig (a process outside
 * a pod); null when it has none (a client certificate), and then the agents refuse it.
 */
public final class OperatorToken implements Supplier<String> {
  /** Where the kubelet keeps the pod's ServiceAccount token. */
  public static final Path SERVICE_ACCOUNT_TOKEN =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  private final Path file;
  private final String fallback;

  public OperatorToken(Path file, String fallback) {
    this.file = file;
    this.fallback = fallback;
  }

  /** The pod's token, else {@code client}'s. */
  public static OperatorToken of(KubernetesClient client) {
    return new OperatorToken(SERVICE_ACCOUNT_TOKEN, client.getConfiguration().getOauthToken());
  }

  @Override
  public String get() {
    try {
      if (Files.isReadable(file)) {
        String t = Files.readString(file).strip();
        if (!t.isEmpty()) {
          return t;
        }
      }
    } catch (IOException e) {
      // the fallback below
    }
    return fallback;
  }
}
