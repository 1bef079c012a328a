package io.trafficmonitor.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.testing.Requirements;
import io.trafficmonitor.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Where a test class runs its agent: a namespace {@code <namespacePrefix><id>} and a test node
 * {@code <nodePrefix><id>} (Node object, network namespaces, cgroups) of the shared cluster, the
 * CRDs installed, the id random per class. Registered as a static {@code @RegisterExtension} field,
 * it checks the kernel and the cluster and makes the site before the class' {@code BeforeAll}; the
 * class adds its pods and monitors. {@link #packaged} also requires the packaged agent and mints a
 * {@link #scrapeToken}.
 *
 * <p>The agents it starts ({@link #startAgent}, {@link #startAgentProcess}, {@link #closing}) stop
 * after the test that started them, or after all tests when started before them (or at {@link
 * #stop} and {@link #stopAgents}); then the node's namespaces, veths and cgroups go, the bindings
 * of its {@link OperatorTokens}, the namespace and the Node object ({@link Cluster#tearDown}), also
 * when the site was made only half-way.
 */
final class AgentOnTestNode
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  private final String namespacePrefix;
  private final String nodePrefix;
  private boolean packaged;
  private TestCluster cluster;
  private KubernetesClient client;
  private String namespace;
  private String nodeName;
  private TestNode node;
  private String scrapeToken;
  private final List<AutoCloseable> classAgents = new ArrayList<>();
  private final List<AutoCloseable> testAgents = new ArrayList<>();
  private boolean inTest;

  AgentOnTestNode(String namespacePrefix, String nodePrefix) {
    this.namespacePrefix = namespacePrefix;
    this.nodePrefix = nodePrefix;
  }

  /** For a class that runs the packaged agent (the Quarkus jar) and scrapes its /metrics. */
  AgentOnTestNode packaged() {
    packaged = true;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Cluster.requireKernelAndCluster();
    if (packaged) {
      Requirements.require(
          Files.exists(AgentProcess.JAR),
          "the packaged agent " + AgentProcess.JAR + " (mvn package)");
    }
    cluster = TestCluster.shared();
    client = cluster.client();
    Cluster.installCrd(cluster);
    int id = ThreadLocalRandom.current().nextInt(10_000, 99_999);
    namespace = namespacePrefix + id;
    Cluster.createNamespace(client, namespace);
    if (packaged) {
      scrapeToken = OperatorTokens.metricsReader(client, namespace);
    }
    nodeName = nodePrefix + id;
    cluster.addNode(nodeName, Map.of());
    node = new TestNode(client, nodeName, id % 250);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    inTest = true;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    inTest = false;
    stopAgents();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Cluster.tearDown(() -> close(classAgents), node, client, namespace, nodeName);
  }

  TestCluster cluster() {
    return cluster;
  }

  KubernetesClient client() {
    return client;
  }

  String namespace() {
    return namespace;
  }

  String nodeName() {
    return nodeName;
  }

  TestNode node() {
    return node;
  }

  /** A token that may scrape the agents' /metrics ({@link OperatorTokens#metricsReader}). */
  String scrapeToken() {
    return scrapeToken;
  }

  /** Pod {@code name} of the namespace on the node at address .{@code host}, labelled app=APP. */
  TestNode.TestPod addPod(String name, int host, String app) throws Exception {
    return node.addPod(namespace, name, host, Map.of("app", app));
  }

  /** The in-process agent of this node and namespace, started, its metrics in a new registry. */
  Agent startAgent() throws Exception {
    return startAgent(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** The in-process agent of this node and namespace, started, its metrics in {@code registry}. */
  Agent startAgent(PrometheusMeterRegistry registry) throws Exception {
    Agent agent = closing(new Agent(AgentConfig.from(node.agentEnv(namespace)), client, registry));
    agent.start();
    return agent;
  }

  /**
   * The environment of a packaged agent of this node and namespace ({@link TestNode#agentEnv}) with
   * the cluster's kubeconfig; a new map: a test adds what it needs.
   */
  Map<String, String> agentEnv() {
    Map<String, String> env = node.agentEnv(namespace);
    env.put("KUBECONFIG", cluster.kubeconfig().toString());
    return env;
  }

  /**
   * The packaged agent run with {@code env}, its log target/agent-NODE-{@code tag}.log, once ready
   * (within 60 s).
   */
  AgentProcess startAgentProcess(String tag, Map<String, String> env) throws Exception {
    Path log = Path.of("target", "agent-" + nodeName + "-" + tag + ".log");
    AgentProcess agent = closing(new AgentProcess(env, log));
    Wait.until("agent " + tag + " ready", Duration.ofSeconds(60), agent::ready);
    return agent;
  }

  /** {@code agent}, closed after the test that started it (after all when started before them). */
  <T extends AutoCloseable> T closing(T agent) {
    (inTest ? testAgents : classAgents).add(agent);
    return agent;
  }

  /** Stops {@code agent} now (a test of stopping it). */
  void stop(AutoCloseable agent) throws Exception {
    classAgents.remove(agent);
    testAgents.remove(agent);
    agent.close();
  }

  /** Stops the agents the current test started now, before the test cleans up after them. */
  void stopAgents() throws Exception {
    close(testAgents);
  }

  /** This node's entry in the status of TrafficMonitor {@code monitor} of the namespace. */
  Optional<NodeStatus> status(String monitor) {
    TrafficMonitor tm =
        client.resources(TrafficMonitor.class).inNamespace(namespace).withName(monitor).get();
    if (tm == null || tm.getStatus() == null || tm.getStatus().getNodes() == null) {
      return Optional.empty();
    }
    return tm.getStatus().getNodes().stream().filter(n -> n.getNode().equals(nodeName)).findFirst();
  }

  /** Closes every agent of {@code agents} (newest first) and empties the list. */
  private static void close(List<AutoCloseable> agents) throws Exception {
    Exception failed = null;
    for (int i = agents.size() - 1; i >= 0; i--) {
      try {
        agents.get(i).close();
      } catch (Exception e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    agents.clear();
    if (failed != null) {
      throw failed;
    }
  }
}
