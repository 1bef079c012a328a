package io.trafficmonitor.operator;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;

/** TrafficMonitors for tests, from YAML specs. */
public final class Monitors {
  private Monitors() {}

  public static TrafficMonitor monitor(String namespace, String name, String specYaml) {
    TrafficMonitor tm = new TrafficMonitor();
    tm.setMetadata(
        new ObjectMetaBuilder().withNamespace(namespace).withName(name).withGeneration(1L).build());
    tm.setSpec(
        specYaml == null || specYaml.isBlank()
            ? new TrafficMonitorSpec()
            : Serialization.unmarshal(specYaml, TrafficMonitorSpec.class));
    return tm;
  }
}
