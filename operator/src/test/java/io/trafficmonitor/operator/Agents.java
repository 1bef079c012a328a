package io.trafficmonitor.operator;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.awaitility.Awaitility;

/**
 * Light stand-ins for node agents, as the operator sees them: for each node, an HTTP server that
 * answers {@code GET /api/v1/status} on the agent port at its own loopback address, and the node's
 * agent pod (made by the DaemonSet controller, never run: there is no kubelet) given that address
 * as its pod IP. What each answers is asked of {@code entries} at every request; a node whose
 * {@code entries} answer is empty does not answer at all (HTTP 503), as an agent that is down.
 */
public final class Agents implements AutoCloseable {

  private final Map<String, HttpServer> servers = new ConcurrentHashMap<>();

  private Agents() {}

  /**
   * Starts an agent on each of {@code nodes} (distinct {@code subnet} per test class: the third
   * byte of the 127.x.y.z addresses), answering what {@code entries} gives for the node.
   */
  public static Agents start(
      KubernetesClient client,
      int subnet,
      List<String> nodes,
      Function<String, Optional<List<AgentReport.Entry>>> entries) {
    Agents agents = new Agents();
    int port = AgentSettings.defaults().metricsPort();
    for (int i = 0; i < nodes.size(); i++) {
      String node = nodes.get(i);
      String address = "127.77." + subnet + "." + (i + 1);
      try {
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 16);
        server.createContext(
            AgentReport.PATH,
            exchange -> {
              Optional<List<AgentReport.Entry>> answer;
              try {
                answer = entries.apply(node);
              } catch (RuntimeException e) {
                answer = Optional.empty();
              }
              byte[] body =
                  answer
                      .map(l -> Serialization.asJson(new AgentReport(node, l)))
                      .orElse("down")
                      .getBytes(StandardCharsets.UTF_8);
              exchange.sendResponseHeaders(answer.isPresent() ? 200 : 503, body.length);
              try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
              }
            });
        server.start();
        agents.servers.put(node, server);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agentPod(client, node).isPresent());
      Pod pod = agentPod(client, node).orElseThrow();
      giveAddress(client, OperatorHarness.AGENT_NAMESPACE, pod.getMetadata().getName(), address);
    }
    return agents;
  }

  /** Gives pod {@code namespace/name} the pod IP {@code address} (no kubelet sets one here). */
  public static void giveAddress(
      KubernetesClient client, String namespace, String name, String address) {
    client
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\": {\"podIP\": \""
                + address
                + "\", \"podIPs\": [{\"ip\": \""
                + address
                + "\"}]}}");
  }

  private static Optional<Pod> agentPod(KubernetesClient client, String node) {
    return client
        .pods()
        .inNamespace(OperatorHarness.AGENT_NAMESPACE)
        .withLabelSelector(AgentDaemonSet.SELECTOR)
        .list()
        .getItems()
        .stream()
        .filter(p -> node.equals(p.getSpec().getNodeName()))
        .findFirst();
  }

  /** The entry of monitor {@code namespace/name} (null: a ClusterTrafficMonitor) from JSON. */
  public static AgentReport.Entry entry(
      KubernetesClient client, String namespace, String name, String entryJson) {
    String uid =
        namespace == null
            ? client
                .resources(ClusterTrafficMonitor.class)
                .withName(name)
                .get()
                .getMetadata()
                .getUid()
            : client
                .resources(TrafficMonitor.class)
                .inNamespace(namespace)
                .withName(name)
                .get()
                .getMetadata()
                .getUid();
    return new AgentReport.Entry(
        namespace, name, uid, Serialization.unmarshal(entryJson, NodeStatus.class));
  }

  @Override
  public void close() {
    servers.values().forEach(s -> s.stop(0));
  }
}
