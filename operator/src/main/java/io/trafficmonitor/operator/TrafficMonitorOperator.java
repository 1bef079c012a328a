package io.trafficmonitor.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;

/**
 * Assembles the java-operator-sdk {@link Operator} with the TrafficMonitor controller, watching all
 * namespaces. The Quarkus application ({@link OperatorLifecycle}) and the integration tests start
 * the same thing.
 */
public final class TrafficMonitorOperator {

  private TrafficMonitorOperator() {}

  /**
   * An operator on {@code client} (not closed on stop); {@code registry}, when given, receives
   * JOSDK's reconciliation metrics.
   */
  public static Operator create(KubernetesClient client, MeterRegistry registry) {
    return create(client, registry, Set.of());
  }

  /** As {@link #create(KubernetesClient, MeterRegistry)}, watching only {@code namespaces}. */
  public static Operator create(
      KubernetesClient client, MeterRegistry registry, Set<String> namespaces) {
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
    if (namespaces.isEmpty()) {
      operator.register(new TrafficMonitorReconciler());
    } else {
      operator.register(new TrafficMonitorReconciler(), c -> c.settingNamespaces(namespaces));
    }
    return operator;
  }
}
