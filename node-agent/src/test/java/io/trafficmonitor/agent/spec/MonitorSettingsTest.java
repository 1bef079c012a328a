package io.trafficmonitor.agent.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.v1alpha1.Direction;
import io.trafficmonitor.api.v1alpha1.Filter;
import io.trafficmonitor.api.v1alpha1.FlowSettings;
import io.trafficmonitor.api.v1alpha1.Protocol;
import io.trafficmonitor.api.v1alpha1.Selector;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.datapath.flow.Cidr;
import io.trafficmonitor.datapath.flow.FilterRule;
import io.trafficmonitor.datapath.flow.PortRange;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MonitorSettingsTest {
  @Test
  void defaultsOfAnEmptySpec() {
    MonitorSettings s = MonitorSettings.of(new TrafficMonitorSpec(), Optional.empty());
    assertThat(s.interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.statusInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.topN()).isEqualTo(10);
    assertThat(s.maxTracked()).isEqualTo(65536);
    assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.ingress()).isTrue();
    assertThat(s.egress()).isTrue();
    assertThat(s.filters()).isEmpty();
    assertThat(s.selectsPods()).isFalse();
  }

  @Test
  void aSpecOfPodsAndInterfacesStoredBeforeTheRuleCountsOnlyThePods() {
    TrafficMonitorSpec spec = new TrafficMonitorSpec();
    spec.setInterfaces(List.of("eth0"));
    Selector none = new Selector();
    spec.setPodSelector(none);
    assertThat(MonitorSettings.of(spec, Optional.empty()).mixesPodsAndInterfaces())
        .as("an empty podSelector selects no pods")
        .isFalse();
    Selector web = new Selector();
    web.setMatchLabels(Map.of("app", "web"));
    spec.setPodSelector(web);
    Selector team = new Selector();
    team.setMatchLabels(Map.of("team", "a"));
    spec.setNamespaceSelector(team);
    MonitorSettings mixed = MonitorSettings.of(spec, Optional.empty());
    assertThat(mixed.mixesPodsAndInterfaces()).isTrue();
    MonitorSettings pods = mixed.podsOnly();
    assertThat(pods.mixesPodsAndInterfaces()).isFalse();
    assertThat(pods.interfaces()).isEmpty();
    assertThat(pods.selectsPods()).isTrue();
    assertThat(pods.namespaceSelector()).as("other namespaces' pods still").contains(team);
  }

  @Test
  void timingDirectionAndFlowSettings() {
    TrafficMonitorSpec spec = new TrafficMonitorSpec();
    spec.setInterval("10ms");
    spec.setStatusInterval("5s");
    spec.setDirection(Direction.Egress);
    FlowSettings f = new FlowSettings();
    f.setTopN(3);
    f.setMaxTracked(2048);
    f.setIdleTimeout("1m30s");
    spec.setFlows(f);
    spec.setInterfaces(List.of("eth*"));
    MonitorSettings s = MonitorSettings.of(spec, Optional.empty());
    assertThat(s.interval()).isEqualTo(Duration.ofMillis(10));
    assertThat(s.statusInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.ingress()).isFalse();
    assertThat(s.egress()).isTrue();
    assertThat(s.topN()).isEqualTo(3);
    assertThat(s.maxTracked()).isEqualTo(2048);
    assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(s.interfaces()).hasSize(1);
    assertThat(s.interfaces().get(0).matches("eth1")).isTrue();
    assertThat(MonitorSettings.of(spec, Optional.of(Duration.ofSeconds(2))).statusInterval())
        .isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void portsAloneMakeOneRule() {
    List<FilterRule> rules = MonitorSettings.filterRules(null, List.of("80", "8000-8100"));
    assertThat(rules).hasSize(1);
    assertThat(rules.get(0).ports())
        .containsExactly(new PortRange(80, 80), new PortRange(8000, 8100));
    assertThat(MonitorSettings.filterRules(List.of(), List.of())).isEmpty();
  }

  @Test
  void filtersAreOredAndEachCarriesThePorts() {
    Filter a = new Filter();
    a.setSource("10.0.0.0/8");
    a.setDestinationPort("22");
    a.setProtocols(List.of(Protocol.TCP));
    Filter b = new Filter();
    b.setDestination("fd00::/8");
    b.setProtocols(List.of(Protocol.UDP, Protocol.ICMPv6));
    List<FilterRule> rules = MonitorSettings.filterRules(List.of(a, b), List.of("443"));
    assertThat(rules).hasSize(2);
    FilterRule ra = rules.get(0);
    assertThat(ra.sources()).containsExactly(Cidr.parse("10.0.0.0/8"));
    assertThat(ra.destinationPorts()).containsExactly(new PortRange(22, 22));
    assertThat(ra.protocols()).isEqualTo(Set.of(6));
    assertThat(ra.ports()).containsExactly(new PortRange(443, 443));
    FilterRule rb = rules.get(1);
    assertThat(rb.destinations()).containsExactly(Cidr.parse("fd00::/8"));
    assertThat(rb.protocols()).isEqualTo(Set.of(17, 58));
    assertThat(rb.sources()).isEmpty();
  }
}
