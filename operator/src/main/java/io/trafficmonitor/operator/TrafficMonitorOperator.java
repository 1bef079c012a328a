package io.trafficmonitor.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.operator.agents.AgentDaemonSetKeeper;
import io.trafficmonitor.operator.agents.AgentFleetSource;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The operator: the java-operator-sdk {@link Operator} with the TrafficMonitor and
 * ClusterTrafficMonitor controllers, and the keeper of the one agent DaemonSet in the operator's
 * namespace. The Quarkus application ({@link OperatorLifecycle}) and the integration tests start
 * the same thing.
 */
public final class TrafficMonitorOperator {
  private static final Logger LOG = Logger.getLogger(TrafficMonitorOperator.class);

  private final Operator operator;
  private final AgentDaemonSetKeeper keeper;

  private TrafficMonitorOperator(Operator operator, AgentDaemonSetKeeper keeper) {
    this.operator = operator;
    this.keeper = keeper;
  }

  /**
   * An operator on {@code client} (not closed on stop) with this process's settings, watching
   * TrafficMonitors in {@code namespaces} (empty: all) and every ClusterTrafficMonitor; {@code
   * registry}, when given, receives JOSDK's reconciliation metrics.
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
    String ns = settings.namespace();
    TrafficMonitorReconciler monitors =
        new TrafficMonitorReconciler(new AgentFleetSource<>(ns, keeper));
    if (namespaces.isEmpty()) {
      operator.register(monitors);
    } else {
      operator.register(monitors, c -> c.settingNamespaces(namespaces));
    }
    if (clusterMonitorsDefined(client)) {
      operator.register(
          new ClusterTrafficMonitorReconciler(new AgentFleetSource<>(ns, keeper)),
          ClusterTrafficMonitorReconciler.rulesIn(ns));
    } else {
      LOG.warnf(
          "the CRD %s is missing (Helm installs CRDs but never upgrades them: apply the chart's"
              + " crds/); ClusterTrafficMonitors are not reconciled until the operator restarts"
              + " after it is installed",
          ClusterTrafficMonitor.CRD_NAME);
    }
    return new TrafficMonitorOperator(operator, keeper);
  }

  private static boolean clusterMonitorsDefined(KubernetesClient client) {
    return client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(ClusterTrafficMonitor.CRD_NAME)
            .get()
        != null;
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
