package io.trafficmonitor.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.trafficmonitor.operator.agents.AgentDaemonSetKeeper;
import io.trafficmonitor.operator.agents.AgentFleetSource;
import java.util.Set;

/**
 * The operator: the java-operator-sdk {@link Operator} with the TrafficMonitor controller, and the
 * keeper of the one agent DaemonSet in the operator's namespace. The Quarkus application ({@link
 * OperatorLifecycle}) and the integration tests start the same thing.
 */
public final class TrafficMonitorOperator {

  private final Operator operator;
  private final AgentDaemonSetKeeper keeper;

  private TrafficMonitorOperator(Operator operator, AgentDaemonSetKeeper keeper) {
    this.operator = operator;
    this.keeper = keeper;
  }

  /**
   * An operator on {@code client} (not closed on stop) with this process's settings, watching
   * TrafficMonitors in {@code namespaces} (empty: all); {@code registry}, when given, receives
   * JOSDK's reconciliation metrics.
   */
  public static TrafficMonitorOperator create(
      KubernetesClient client, MeterRegistry registry, Set<String> namespaces) {
    return create(
        client, registry, namespaces, AgentSettings.current(), OperatorSettings.current());
  }

  /** As {@link #create(KubernetesClient, MeterRegistry, Set)}, with these settings. */
  public static TrafficMonitorOperator create(
      KubernetesClient client,
      MeterRegistry registry,
      Set<String> namespaces,
      AgentSettings agent,
      OperatorSettings settings) {
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client).withCloseClientOnStop(false);
              if (registry != null) {
                // Aggregated per controller, not per resource: bounded with 1000s of monitors.
                o.withMetrics(
                    MicrometerMetrics.newMicrometerMetricsBuilder(registry)
                        .notCollectingMetricsPerResource()
                        .build());
              }
            });
    AgentDaemonSetKeeper keeper = new AgentDaemonSetKeeper(client, agent, settings);
    TrafficMonitorReconciler reconciler =
        new TrafficMonitorReconciler(new AgentFleetSource(settings.namespace(), keeper));
    if (namespaces.isEmpty()) {
      operator.register(reconciler);
    } else {
      operator.register(reconciler, c -> c.settingNamespaces(namespaces));
    }
    return new TrafficMonitorOperator(operator, keeper);
  }

  public void start() {
    keeper.start();
    operator.start();
  }

  public void stop() {
    operator.stop();
    keeper.close();
  }

  public boolean started() {
    return operator.getRuntimeInfo().isStarted();
  }

  /** Whether the controller's informers are connected, and the agent DaemonSet is watched. */
  public boolean informersHealthy() {
    return operator.getRuntimeInfo().allEventSourcesAreHealthy() && keeper.watching();
  }

  /** The agent DaemonSet's keeper (for tests). */
  public AgentDaemonSetKeeper keeper() {
    return keeper;
  }
}
