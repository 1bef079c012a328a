package io.trafficmonitor.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.Monitors;
import org.junit.jupiter.api.Test;

class NamesTest {

  @Test
  void longNamesAreBoundedToADnsLabel() {
    TrafficMonitor tm = Monitors.monitor("shop", "x".repeat(100), null);
    String name = Names.rule(tm);
    assertThat(name).hasSizeLessThanOrEqualTo(63).startsWith("trafficmonitor-xxx");
    assertThat(Names.rule(Monitors.monitor("shop", "x".repeat(99) + "y", null))).isNotEqualTo(name);
    assertThat(Names.labels(tm).values())
        .allSatisfy(v -> assertThat(v).hasSizeLessThanOrEqualTo(63));
  }
}
