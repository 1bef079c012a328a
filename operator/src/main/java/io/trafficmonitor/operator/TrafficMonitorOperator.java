package io.trafficmonitor.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.RuntimeInfo;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.agents.AgentDaemonSetKeeper;
import io.trafficmonitor.operator.agents.AgentFleetSource;
import io.trafficmonitor.operator.agents.AgentPuller;
import io.trafficmonitor.operator.agents.OperatorToken;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The operator: the java-operator-sdk {@link Operator} with the TrafficMonitor and
 * ClusterTrafficMonitor controllers, and the keeper of the one agent DaemonSet in the operator's
 * namespace; with leader election, only the leader reconciles and keeps the DaemonSet ({@link
 * Leadership}). The Quarkus application ({@link OperatorLifecycle}) and the integration tests start
 * the same thing.
 */
public final class TrafficMonitorOperator {
  private static final Logger LOG = Logger.getLogger(TrafficMonitorOperator.class);

  /** Reconciles run at once (JOSDK's default is 50). */
  static final int RECONCILE_THREADS = 8;

  /** Dependents reconciled at once (JOSDK's default is 50): one PrometheusRule per monitor. */
  static final int WORKFLOW_THREADS = 4;

  private final Operator operator;
  private final AgentDaemonSetKeeper keeper;
  private final Runnable lead;
  private final AgentPuller puller;
  private final ClusterNames names;
  private final Leadership leadership;
  private final KubernetesClient client;
  private final OperatorSettings settings;

  private TrafficMonitorOperator(
      Operator operator,
      AgentDaemonSetKeeper keeper,
      Runnable lead,
      AgentPuller puller,
      ClusterNames names,
      Leadership leadership,
      KubernetesClient client,
      OperatorSettings settings) {
    this.operator = operator;
    this.keeper = keeper;
    this.lead = lead;
    this.puller = puller;
    this.names = names;
    this.leadership = leadership;
    this.client = client;
    this.settings = settings;
  }

  /**
   * An operator on {@code client} (not closed on stop) with this process's settings, watching
   * TrafficMonitors in {@code namespaces} (empty: all) and every ClusterTrafficMonitor; {@code
   * registry}, when given, receives JOSDK's reconciliation metrics and the operator's own.
   */
  public static TrafficMonitorOperator create(
      KubernetesClient client, MeterRegistry registry, Set<String> namespaces) {
    AlertSettings.current(); // a malformed setting stops the start, not every reconcile
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
    AgentDaemonSetKeeper keeper = new AgentDaemonSetKeeper(client, agent, settings);
    AgentPuller puller =
        new AgentPuller(agent.metricsPort(), OperatorToken.of(client), agent.agentTls());
    String ns = settings.namespace();
    AgentFleetSource<TrafficMonitor> fleet = new AgentFleetSource<>(ns, keeper);
    ClusterNames names = new ClusterNames(client);
    Runnable lead =
        () -> {
          names.start();
          keeper.lead();
          puller.start(() -> fleet.fleet().addresses());
        };
    Leadership leadership = new Leadership(settings, lead);
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  // JOSDK's default, 50 + 50 threads, costs ~20 MiB of RSS once a burst of
                  // monitors has started them all; a reconcile is a few API calls
                  .withConcurrentReconciliationThreads(RECONCILE_THREADS)
                  .withConcurrentWorkflowExecutorThreads(WORKFLOW_THREADS);
              if (registry != null) {
                // Aggregated per controller, not per resource: bounded with 1000s of monitors.
                o.withMetrics(
                    MicrometerMetrics.newMicrometerMetricsBuilder(registry)
                        .notCollectingMetricsPerResource()
                        .build());
              }
              if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(leadership.configuration());
              }
            });
    TrafficMonitorReconciler monitors = new TrafficMonitorReconciler(fleet, puller, names);
    if (namespaces.isEmpty()) {
      operator.register(monitors);
    } else {
      operator.register(monitors, c -> c.settingNamespaces(namespaces));
    }
    if (clusterMonitorsDefined(client)) {
      operator.register(
          new ClusterTrafficMonitorReconciler(new AgentFleetSource<>(ns, keeper), puller, names),
          ClusterTrafficMonitorReconciler.rulesIn(ns));
    } else {
      LOG.warnf(
          "the CRD %s is missing (Helm installs CRDs but never upgrades them: apply the chart's"
              + " crds/); ClusterTrafficMonitors are not reconciled until the operator restarts"
              + " after it is installed",
          ClusterTrafficMonitor.CRD_NAME);
    }
    if (registry != null) {
      keeper.bindTo(registry);
      puller.bindTo(registry);
      Gauge.builder(
              "trafficmonitor.operator.leader",
              leadership,
              l -> !settings.leaderElection() || l.leading() ? 1 : 0)
          .description(
              "1 on the operator replica that leads (reconciles, keeps the agent DaemonSet), 0 on"
                  + " the others")
          .register(registry);
    }
    return new TrafficMonitorOperator(
        operator, keeper, lead, puller, names, leadership, client, settings);
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

  /**
   * Starts the informers of every controller; the leader (at once without leader election) then
   * reconciles, keeps the agent DaemonSet and pulls the agents' figures.
   */
  public void start() {
    keeper.prepare();
    operator.start();
    if (!settings.leaderElection()) {
      lead.run();
    }
  }

  /** What pulls the agents' figures (tests, benchmarks). */
  public AgentPuller puller() {
    return puller;
  }

  /** Stops reconciling, then gives the Lease up so that another replica leads at once. */
  public void stop() {
    leadership.stopping();
    operator.stop();
    puller.close();
    names.close();
    keeper.close();
    if (settings.leaderElection()) {
      leadership.release(client);
    }
  }

  public boolean started() {
    return operator.getRuntimeInfo().isStarted();
  }

  /** Whether this replica reconciles: it leads, or runs without leader election. */
  public boolean leading() {
    return !settings.leaderElection() || leadership.leading();
  }

  /** This replica's name in the Lease. */
  public String identity() {
    return settings.identity();
  }

  /** The leading replica's name as last seen in the Lease; empty before the first election. */
  public String leader() {
    if (!settings.leaderElection()) {
      return settings.identity();
    }
    String leader = leadership.leader();
    return leader == null ? "" : leader;
  }

  /**
   * Whether the controllers' informers run, have synced and are watching now (JOSDK's own health
   * leaves out the last: an informer whose watch is down, reconnecting, is healthy to it), and, on
   * the leader, the agent DaemonSet is watched (a follower does not watch it).
   */
  public boolean informersHealthy() {
    RuntimeInfo runtime = operator.getRuntimeInfo();
    if (!runtime.allEventSourcesAreHealthy()) {
      return false;
    }
    for (RegisteredController<?> controller : runtime.getRegisteredControllers()) {
      for (InformerWrappingEventSourceHealthIndicator<?> source :
          controller.getControllerHealthInfo().informerEventSourceHealthIndicators().values()) {
        for (InformerHealthIndicator informer : source.informerHealthIndicators().values()) {
          if (!informer.isRunning() || !informer.hasSynced() || !informer.isWatching()) {
            return false;
          }
        }
      }
    }
    return !keeper.leading() || keeper.watching();
  }

  /** The agent DaemonSet's keeper (for tests). */
  public AgentDaemonSetKeeper keeper() {
    return keeper;
  }
}
