package io.trafficmonitor.operator.model;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.AgentSettings;

/**
 * A headless Service over the agent pods, so that Prometheus (directly or through a ServiceMonitor)
 * discovers one endpoint per agent.
 */
public final class MetricsService {

  private MetricsService() {}

  public static Service desired(TrafficMonitor tm, AgentSettings settings) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(Names.agent(tm))
        .withNamespace(tm.getMetadata().getNamespace())
        .withLabels(Names.labels(tm))
        .endMetadata()
        .withNewSpec()
        .withClusterIP("None")
        .withSelector(Names.selector(tm))
        .addNewPort()
        .withName(AgentDaemonSet.METRICS_PORT_NAME)
        .withPort(settings.metricsPort())
        .withTargetPort(new IntOrString(AgentDaemonSet.METRICS_PORT_NAME))
        .withProtocol("TCP")
        .endPort()
        .endSpec()
        .build();
  }
}
