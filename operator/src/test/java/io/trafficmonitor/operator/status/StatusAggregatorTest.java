package io.trafficmonitor.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.trafficmonitor.api.v1alpha1.DropReason;
import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.Summary;
import io.trafficmonitor.api.v1alpha1.Talker;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import io.trafficmonitor.operator.Monitors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class StatusAggregatorTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  private static DaemonSet daemonSet(int scheduled, int updated) {
    return new DaemonSetBuilder()
        .withNewMetadata()
        .withGeneration(1L)
        .endMetadata()
        .withNewStatus()
        .withObservedGeneration(1L)
        .withDesiredNumberScheduled(scheduled)
        .withUpdatedNumberScheduled(updated)
        .endStatus()
        .build();
  }

  private static Node agentNode(String name, Map<String, String> labels, Taint... taints) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withTaints(taints)
        .endSpec()
        .build();
  }

  /** Agents on {@code scheduled} plain nodes, {@code updated} of them on the current template. */
  private static AgentFleet ds(int scheduled, int updated) {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < scheduled; i++) {
      nodes.add(agentNode("node-" + i, Map.of()));
    }
    return new AgentFleet(daemonSet(scheduled, updated), nodes, null);
  }

  private static NodeStatus node(String yaml) {
    try {
      return YAML.readValue(yaml, NodeStatus.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static TrafficMonitor withNodes(NodeStatus... nodes) {
    TrafficMonitor tm = Monitors.monitor("shop", "web", "statusInterval: 10s\nflows: {topN: 2}");
    TrafficMonitorStatus status = new TrafficMonitorStatus();
    status.setNodes(List.of(nodes));
    tm.setStatus(status);
    return tm;
  }

  /** The status from the entries the test put into the monitor's status (as pulled). */
  private static TrafficMonitorStatus desired(TrafficMonitor tm, AgentFleet fleet, Instant now) {
    List<NodeStatus> pulled =
        tm.getStatus() == null || tm.getStatus().getNodes() == null
            ? List.of()
            : tm.getStatus().getNodes();
    return StatusAggregator.desired(tm, fleet, pulled, now);
  }

  private static Condition condition(TrafficMonitorStatus s, String type) {
    return s.getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void statusKeepsTenNodesTheLateFailingAndBehindFirstThenTheBusiest() {
    List<NodeStatus> many = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String extra =
          switch (i) {
            case 3 -> ", errors: ['cannot attach']";
            case 4 -> ", observedGeneration: 0";
            default -> "";
          };
      String at = i == 5 ? "2026-01-01T11:50:00Z" : "2026-01-01T11:59:55Z";
      many.add(
          node(
              "{node: n"
                  + (100 + i)
                  + ", rxBytes: "
                  + (i + 1)
                  + ", rxBitsPerSecond: "
                  + (i * 1000)
                  + ", lastUpdate: '"
                  + at
                  + "'"
                  + extra
                  + "}"));
      nodes.add(agentNode("n" + (100 + i), Map.of()));
    }
    TrafficMonitor tm = Monitors.monitor("shop", "web", "statusInterval: 10s");
    tm.getMetadata().setGeneration(1L);
    TrafficMonitorStatus s =
        StatusAggregator.desired(tm, new AgentFleet(daemonSet(25, 25), nodes, null), many, NOW);
    assertThat(s.getNodes())
        .extracting(NodeStatus::getNode)
        .containsExactly(
            "n103", "n104", "n105", "n118", "n119", "n120", "n121", "n122", "n123", "n124");
    assertThat(s.getSummary().getRxBytes()).as("the summary counts every node").isEqualTo(325L);
    assertThat(s.getSummary().getNodes()).isEqualTo(25);
  }

  @Test
  void sumsFreshNodesAndRanksTheirFlows() {
    TrafficMonitor tm =
        withNodes(
            node(
                "{node: a, pods: 2, rxBytes: 100, txBytes: 10, rxBitsPerSecond: 1500,"
                    + " txBitsPerSecond: 500, activeFlows: 3, lastUpdate: '2026-01-01T11:59:55Z',"
                    + " topFlows: [{source: 10.0.0.1, bitsPerSecond: 900}, {source: 10.0.0.2,"
                    + " bitsPerSecond: 100}]}"),
            node(
                "{node: b, pods: 1, rxBytes: 50, rxBitsPerSecond: 1000000, activeFlows: 4,"
                    + " lastUpdate: '2026-01-01T11:59:50Z', topFlows: [{source: 10.0.0.3,"
                    + " bitsPerSecond: 500}]}"));
    TrafficMonitorStatus s = desired(tm, ds(2, 2), NOW);

    assertThat(s.getNodes())
        .as("every node shown while there are few, without top flows (the summary has them)")
        .extracting(NodeStatus::getNode, NodeStatus::getTopFlows)
        .containsExactly(Tuple.tuple("a", null), Tuple.tuple("b", null));
    assertThat(s.getObservedGeneration()).isEqualTo(1L);
    assertThat(s.getSummary().getNodesReady()).isEqualTo("2/2");
    assertThat(s.getSummary().getPods()).isEqualTo(3);
    assertThat(s.getSummary().getRxBytes()).isEqualTo(150L);
    assertThat(s.getSummary().getRxBitsPerSecond()).isEqualTo(1_001_500L);
    assertThat(s.getSummary().getRxRate()).isEqualTo("1 Mbit/s");
    assertThat(s.getSummary().getActiveFlows()).isEqualTo(7L);
    assertThat(s.getSummary().getTopFlows())
        .extracting(f -> f.getSource() + "@" + f.getNode())
        .containsExactly("10.0.0.1@a", "10.0.0.3@b");
    assertThat(condition(s, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("AgentsReporting");
    assertThat(condition(s, "Degraded").getStatus()).isEqualTo("False");
  }

  @Test
  void sumsTrafficQualityCountersMergesDropReasonsAndKeepsFlowDetails() {
    TrafficMonitor tm =
        withNodes(
            node(
                "{node: a, rxPayloadBytes: 900, txPayloadBytes: 90, uniqueFlows: 7,"
                    + " uniquePeers: 3, connectionsOpen: 4, retransmits: 5, drops: 12,"
                    + " dropReasons: [{reason: NO_SOCKET, packets: 8},"
                    + " {reason: TCP_CSUM, packets: 4}],"
                    + " sequence: {received: 1000, reverse: 2, smallGaps: 1, bigGaps: 0, lost: 3},"
                    + " lastUpdate: '2026-01-01T11:59:55Z',"
                    + " topFlows: [{source: 10.0.0.1, bitsPerSecond: 900, payloadBytes: 800,"
                    + " application: HTTP, meanInterArrivalMicros: 250, jitterMicros: 40,"
                    + " rttMicros: 180, retransmits: 2}]}"),
            node(
                "{node: b, rxPayloadBytes: 100, uniqueFlows: 2, uniquePeers: 2,"
                    + " connectionsOpen: 6, retransmits: 1, drops: 9,"
                    + " dropReasons: [{reason: NETFILTER_DROP, packets: 5},"
                    + " {reason: NO_SOCKET, packets: 4}],"
                    + " sequence: {received: 500, reverse: 1, smallGaps: 2, bigGaps: 1, lost: 4},"
                    + " lastUpdate: '2026-01-01T11:59:50Z'}"),
            // Silent for longer than three intervals: its totals since start still count, its
            // gauges (open connections) no longer do.
            node(
                "{node: c, rxPayloadBytes: 1, uniqueFlows: 1, uniquePeers: 1, connectionsOpen: 50,"
                    + " retransmits: 10, dropReasons: [{reason: TCP_CSUM, packets: 5}],"
                    + " lastUpdate: '2026-01-01T11:00:00Z'}"));
    Summary s = desired(tm, ds(3, 3), NOW).getSummary();

    assertThat(s.getRxPayloadBytes()).isEqualTo(1001L);
    assertThat(s.getTxPayloadBytes()).isEqualTo(90L);
    assertThat(s.getUniqueFlows()).isEqualTo(10L);
    assertThat(s.getUniquePeers()).isEqualTo(6L);
    assertThat(s.getConnectionsOpen()).isEqualTo(10L);
    assertThat(s.getRetransmits()).isEqualTo(16L);
    assertThat(s.getDrops()).isEqualTo(21L);
    assertThat(s.getDropReasons())
        .extracting(r -> r.getReason() + "=" + r.getPackets())
        .containsExactly("NO_SOCKET=12", "TCP_CSUM=9", "NETFILTER_DROP=5");
    assertThat(s.getSequence())
        .usingRecursiveComparison()
        .isEqualTo(
            node("{node: x, sequence: {received: 1500, reverse: 3, smallGaps: 3,"
                    + " bigGaps: 1, lost: 7}}")
                .getSequence());
    Flow top = s.getTopFlows().get(0);
    assertThat(top.getNode()).isEqualTo("a");
    assertThat(top.getPayloadBytes()).isEqualTo(800L);
    assertThat(top.getApplication()).isEqualTo("HTTP");
    assertThat(top.getMeanInterArrivalMicros()).isEqualTo(250L);
    assertThat(top.getJitterMicros()).isEqualTo(40L);
    assertThat(top.getRttMicros()).isEqualTo(180L);
    assertThat(top.getRetransmits()).isEqualTo(2L);
  }

  @Test
  void keepsTheBusiestSixteenDropReasonsAndLeavesOutWhatNoNodeReports() {
    List<DropReason> many = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      many.add(new DropReason(String.format("REASON_%02d", i), (long) i));
    }
    NodeStatus a = node("{node: a, lastUpdate: '2026-01-01T11:59:55Z'}");
    a.setDropReasons(many);
    NodeStatus b =
        node(
            "{node: b, lastUpdate: '2026-01-01T11:59:55Z',"
                + " dropReasons: [{reason: REASON_01, packets: 100}, {reason: REASON_05,"
                + " packets: 15}, {reason: REASON_02}]}");
    List<DropReason> merged = desired(withNodes(a, b), ds(2, 2), NOW).getSummary().getDropReasons();
    assertThat(merged).hasSize(16);
    assertThat(merged.get(0).getReason()).isEqualTo("REASON_01");
    assertThat(merged.get(0).getPackets()).isEqualTo(101L);
    // Ties go by name: REASON_05 (20 packets) before REASON_20.
    assertThat(merged.subList(1, 4))
        .extracting(r -> r.getReason() + "=" + r.getPackets())
        .containsExactly("REASON_05=20", "REASON_20=20", "REASON_19=19");
    assertThat(merged).extracting(DropReason::getReason).doesNotContain("REASON_02", "REASON_03");

    a.setTopTalkers(List.of(new Talker("10.0.0.1", 10L), new Talker("10.0.0.2", 30L)));
    b.setTopTalkers(List.of(new Talker("10.0.0.1", 25L)));
    assertThat(desired(withNodes(a, b), ds(2, 2), NOW).getSummary().getTopTalkers())
        .extracting(t -> t.getAddress() + "=" + t.getBytes())
        .containsExactly("10.0.0.1=35", "10.0.0.2=30");

    Summary quiet =
        desired(withNodes(node("{node: a, lastUpdate: '2026-01-01T11:59:55Z'}")), ds(1, 1), NOW)
            .getSummary();
    assertThat(quiet.getDropReasons()).isNull();
    assertThat(quiet.getTopTalkers()).isNull();
    assertThat(quiet.getSequence()).isNull();
    assertThat(quiet.getRetransmits()).isZero();
    assertThat(quiet.getUniquePeers()).isZero();
  }

  @Test
  void anAgentSilentForThreeIntervalsDegradesTheMonitorNamingItsNode() {
    TrafficMonitor tm =
        withNodes(
            node("{node: a, lastUpdate: '2026-01-01T11:59:55Z'}"),
            node("{node: node-b, rxBitsPerSecond: 99, lastUpdate: '2026-01-01T11:59:29Z'}"));
    TrafficMonitorStatus s = desired(tm, ds(2, 2), NOW);

    Condition degraded = condition(s, "Degraded");
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getReason()).isEqualTo("AgentNotReporting");
    assertThat(degraded.getMessage())
        .isEqualTo(
            "the agent on node node-b (last at 2026-01-01T11:59:29Z) has not reported for more"
                + " than 3 status intervals of 10s");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("AgentsNotReporting");
    assertThat(s.getSummary().getNodesReady()).isEqualTo("1/2");
    assertThat(s.getSummary().getRxBitsPerSecond()).isZero();
  }

  @Test
  void rolloutAndSchedulingShowInReady() {
    TrafficMonitor tm = withNodes();
    AgentFleet none = new AgentFleet(null, List.of(), null);
    assertThat(condition(desired(tm, none, NOW), "Ready").getReason()).isEqualTo("AgentsPending");
    assertThat(condition(desired(tm, ds(0, 0), NOW), "Ready").getReason())
        .isEqualTo("NoNodesSelected");
    assertThat(condition(desired(tm, ds(3, 1), NOW), "Ready").getMessage())
        .isEqualTo("1 of 3 agents run the current pod template");
    Condition refused =
        condition(
            desired(tm, new AgentFleet(null, List.of(), "forbidden: daemonsets.apps"), NOW),
            "Ready");
    assertThat(refused.getReason()).isEqualTo("ReconcileFailed");
    assertThat(refused.getMessage())
        .isEqualTo("cannot apply the agent DaemonSet: forbidden: daemonsets.apps");
  }

  @Test
  void aMonitorWaitsOnlyForTheAgentsOnNodesItCovers() {
    Taint dedicated =
        new TaintBuilder().withKey("dedicated").withValue("net").withEffect("NoSchedule").build();
    Taint preferNot = new TaintBuilder().withKey("spot").withEffect("PreferNoSchedule").build();
    AgentFleet agents =
        new AgentFleet(
            daemonSet(3, 3),
            List.of(
                agentNode("edge-1", Map.of("role", "edge"), preferNot),
                agentNode("edge-2", Map.of("role", "edge"), dedicated),
                agentNode("core-1", Map.of("role", "core"))),
            null);
    NodeStatus edge1 = node("{node: edge-1, lastUpdate: '2026-01-01T11:59:55Z'}");

    // No nodeSelector, no tolerations: every agent's node but the one tainted NoSchedule.
    TrafficMonitorStatus all = desired(withNodes(edge1), agents, NOW);
    assertThat(all.getSummary().getNodesReady()).isEqualTo("1/2");

    TrafficMonitor edge = withNodes(edge1);
    edge.getSpec().setNodeSelector(Map.of("role", "edge"));
    TrafficMonitorStatus s = desired(edge, agents, NOW);
    assertThat(s.getSummary().getNodes()).isEqualTo(1);
    assertThat(condition(s, "Ready").getReason()).isEqualTo("AgentsReporting");

    edge.getSpec()
        .setTolerations(
            List.of(
                new TolerationBuilder()
                    .withKey("dedicated")
                    .withOperator("Equal")
                    .withValue("net")
                    .withEffect("NoSchedule")
                    .build()));
    s = desired(edge, agents, NOW);
    assertThat(s.getSummary().getNodesReady()).isEqualTo("1/2");
    assertThat(condition(s, "Ready").getMessage()).isEqualTo("1 of 2 agents report");

    edge.getSpec().setNodeSelector(Map.of("role", "gpu"));
    s = desired(edge, agents, NOW);
    assertThat(s.getSummary().getNodes()).isZero();
    assertThat(condition(s, "Ready").getReason()).isEqualTo("NoNodesSelected");
    assertThat(condition(s, "Ready").getMessage())
        .isEqualTo("none of the 3 nodes running an agent matches nodeSelector and tolerations");
  }

  @Test
  void tolerationsReadAsTheSchedulerReadsThem() {
    Taint taint = new TaintBuilder().withKey("k").withValue("v").withEffect("NoExecute").build();
    assertThat(AgentFleet.tolerates(new TolerationBuilder().withOperator("Exists").build(), taint))
        .isTrue();
    assertThat(
            AgentFleet.tolerates(
                new TolerationBuilder().withKey("k").withOperator("Exists").build(), taint))
        .isTrue();
    assertThat(
            AgentFleet.tolerates(
                new TolerationBuilder().withKey("k").withValue("v").build(), taint))
        .isTrue();
    assertThat(
            AgentFleet.tolerates(
                new TolerationBuilder().withKey("k").withValue("w").build(), taint))
        .isFalse();
    assertThat(
            AgentFleet.tolerates(
                new TolerationBuilder()
                    .withKey("k")
                    .withOperator("Exists")
                    .withEffect("NoSchedule")
                    .build(),
                taint))
        .isFalse();
    assertThat(AgentFleet.tolerates(new TolerationBuilder().withValue("v").build(), taint))
        .isFalse();
  }

  @Test
  void lastTransitionTimeMovesOnlyWhenTheStatusChanges() {
    TrafficMonitor tm = withNodes(node("{node: a, lastUpdate: '2026-01-01T11:59:55Z'}"));
    TrafficMonitorStatus first = desired(tm, ds(1, 1), NOW);
    tm.getStatus().setConditions(first.getConditions());
    tm.getStatus().setSummary(first.getSummary());
    tm.getStatus().setObservedGeneration(first.getObservedGeneration());

    TrafficMonitorStatus same = desired(tm, ds(1, 1), NOW.plusSeconds(5));
    assertThat(StatusWriter.changed(tm.getStatus(), same)).isFalse();

    TrafficMonitorStatus later = desired(tm, ds(1, 1), NOW.plusSeconds(60));
    assertThat(StatusWriter.changed(tm.getStatus(), later)).isTrue();
    assertThat(condition(later, "Ready").getLastTransitionTime()).isEqualTo("2026-01-01T12:01:00Z");
    assertThat(condition(later, "Degraded").getLastTransitionTime())
        .isEqualTo("2026-01-01T12:01:00Z");

    // A message change with the same status keeps the transition time.
    tm.getStatus().setConditions(later.getConditions());
    TrafficMonitorStatus stillFalse = desired(tm, ds(2, 2), NOW.plusSeconds(90));
    assertThat(condition(stillFalse, "Ready").getMessage()).isEqualTo("0 of 2 agents report");
    assertThat(condition(stillFalse, "Ready").getLastTransitionTime())
        .isEqualTo("2026-01-01T12:01:00Z");
  }

  @Test
  void readyWaitsForEveryAgentToApplyTheCurrentGeneration() {
    TrafficMonitor tm =
        withNodes(
            node("{node: a, observedGeneration: 3, lastUpdate: '2026-01-01T11:59:55Z'}"),
            node("{node: b, observedGeneration: 2, lastUpdate: '2026-01-01T11:59:55Z'}"));
    tm.getMetadata().setGeneration(3L);
    Condition ready = condition(desired(tm, ds(2, 2), NOW), "Ready");
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("SpecNotApplied");
    assertThat(ready.getMessage())
        .isEqualTo("1 of 2 agents still report an older spec than generation 3");

    tm.getStatus().getNodes().get(1).setObservedGeneration(3L);
    ready = condition(desired(tm, ds(2, 2), NOW), "Ready");
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("AgentsReporting");
  }
}
