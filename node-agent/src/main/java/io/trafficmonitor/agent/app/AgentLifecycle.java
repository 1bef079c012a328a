package io.trafficmonitor.agent.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.trafficmonitor.agent.Agent;
import io.trafficmonitor.agent.AgentConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** Starts the agent with the application and stops it (detaching everything) on shutdown. */
@ApplicationScoped
public class AgentLifecycle {
  private static final Logger LOG = Logger.getLogger(AgentLifecycle.class);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private KubernetesClient client;
  private final ApiAccess access = new ApiAccess();
  private Agent agent;

  void onStart(@Observes StartupEvent event) {
    AgentConfig config = AgentConfig.fromEnv();
    client = new KubernetesClientBuilder().build();
    agent = new Agent(config, client, registry);
    agent.start();
    LOG.infof("agent started; metrics on /metrics, health on /q/health");
  }

  void onStop(@Observes ShutdownEvent event) {
    if (agent != null) {
      agent.close();
    }
    if (client != null) {
      client.close();
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public Agent agent() {
    return agent;
  }

  /** Who may read which monitor's figures: one cache of answers for every request. */
  ApiAccess access() {
    return access;
  }

  /** The agent's client of the API server (null before the start). */
  public KubernetesClient client() {
    return client;
  }
}
