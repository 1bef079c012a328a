package io.trafficmonitor.operator.agents;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.access.AgentAudience;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The operator's bearer token for the agents' API. In a pod: the token the chart projects for the
 * agents' audience ({@link AgentAudience#OPERATOR_TOKEN_FILE}, read at each use: the kubelet renews
 * it), never the pod's ServiceAccount token, which the API server would take from whoever the agent
 * or its node passes it to; without the projected token (a Deployment not the chart's) it sends
 * none, the agents refuse, and the operator says why once. Outside a pod (a developer's process):
 * the token of its kubeconfig; null when it has none (a client certificate), and the agents refuse.
 */
public final class OperatorToken implements Supplier<String> {
  private static final Logger LOG = Logger.getLogger(OperatorToken.class);

  /** Where the kubelet keeps a pod's ServiceAccount token: its presence says "in a pod". */
  public static final Path SERVICE_ACCOUNT_TOKEN =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  private final Path agentToken;
  private final Path serviceAccountToken;
  private final String fallback;
  private final AtomicBoolean warned = new AtomicBoolean();

  public OperatorToken(Path agentToken, Path serviceAccountToken, String fallback) {
    this.agentToken = agentToken;
    this.serviceAccountToken = serviceAccountToken;
    this.fallback = fallback;
  }

  /** The pod's token for the agents, else, outside a pod, {@code client}'s. */
  public static OperatorToken of(KubernetesClient client) {
    return new OperatorToken(
        AgentAudience.OPERATOR_TOKEN_FILE,
        SERVICE_ACCOUNT_TOKEN,
        client.getConfiguration().getOauthToken());
  }

  @Override
  public String get() {
    String t = read(agentToken);
    if (t != null) {
      return t;
    }
    if (Files.exists(serviceAccountToken)) {
      if (!warned.getAndSet(true)) {
        LOG.errorf(
            "no token for the agents at %s (a projected ServiceAccount token of audience %s, as"
                + " the chart's operator Deployment mounts): the operator does not send its own"
                + " ServiceAccount token, so the agents refuse its status pulls",
            agentToken, AgentAudience.AUDIENCE);
      }
      return null;
    }
    return fallback;
  }

  private static String read(Path file) {
    try {
      if (Files.isReadable(file)) {
        String t = Files.readString(file).strip();
        return t.isEmpty() ? null : t;
      }
    } catch (IOException e) {
      // as if absent
    }
    return null;
  }
}
