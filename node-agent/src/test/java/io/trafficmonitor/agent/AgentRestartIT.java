package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.datapath.tcp.TcpHealth;
import io.trafficmonitor.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packaged agent (the Quarkus jar) as its own process on one node: killed with SIGKILL it
 * leaves no program attached (its links die with its file descriptors: nothing is pinned), and the
 * next agent counts only what happened after it started: no stale attachment, no double count.
 * /metrics and /q/health are served; SIGTERM detaches everything.
 */
class AgentRestartIT {
  @RegisterExtension
  static final AgentOnTestNode site = new AgentOnTestNode("tm-restart-", "tmar").packaged();

  static TestNode.TestPod a;
  static TestNode.TestPod b;

  @BeforeAll
  static void setUp() throws Exception {
    a = site.addPod("a", 2, "db");
    b = site.addPod("b", 3, "db");
    site.client().resource(Cluster.monitor(site.namespace(), "db", "db", "50ms")).create();
  }

  static AgentProcess startAgent(String tag) throws Exception {
    return startAgent(tag, "auto");
  }

  static AgentProcess startAgent(String tag, String tcMode) throws Exception {
    Map<String, String> env = site.agentEnv();
    env.put("TC_MODE", tcMode);
    return site.startAgentProcess(tag, env);
  }

  static NodeStatus statusAfter(Instant after, long txPackets) {
    return Wait.until(
        "a status written after " + after + " with " + txPackets + " packets sent",
        Duration.ofSeconds(30),
        () ->
            site.status("db")
                .filter(s -> Instant.parse(s.getLastUpdate()).isAfter(after))
                .filter(s -> s.getPods() == 2 && s.getTxPackets() == txPackets));
  }

  @Test
  void sigkillLeavesNothingAttachedAndTheNextAgentDoesNotDoubleCount() throws Exception {
    Instant t0 = Instant.now();
    AgentProcess agent = startAgent("first");
    statusAfter(t0, 0);
    a.sendUdp(b, 7200, 7201, 10, 100);
    NodeStatus first = statusAfter(t0, 10);
    assertThat(first.getTxBytes()).isEqualTo(10L * (100 + 28));
    Set<Long> programs = BpfFds.programIds(agent.pid());
    assertThat(programs).isNotEmpty();
    // 2 pods x (cgroup + veth) x 2 directions, and the TCP health tracepoints
    assertThat(BpfFds.links(agent.pid()))
        .filteredOn(l -> !l.type().equals("raw_tracepoint"))
        .hasSize(8);
    assertThat(BpfFds.links(agent.pid()))
        .filteredOn(l -> l.type().equals("raw_tracepoint"))
        .hasSize(TcpHealth.PROGRAMS.size());
    assertThat(Cgroups.attachedPrograms(a.cgroup)).contains("tm_cg_egress");

    agent.kill();
    Wait.until(
        "the killed agent's programs freed",
        Duration.ofSeconds(15),
        () -> BpfFds.loadedProgramIds().stream().noneMatch(programs::contains));
    assertThat(Cgroups.attachedPrograms(a.cgroup)).isEmpty();
    assertThat(Cgroups.attachedPrograms(b.cgroup)).isEmpty();

    Instant t1 = Instant.now();
    agent = startAgent("second");
    statusAfter(t1, 0);
    a.sendUdp(b, 7202, 7201, 20, 200);
    NodeStatus second = statusAfter(t1, 20);
    assertThat(second.getTxBytes()).isEqualTo(20L * (200 + 28));
    assertThat(second.getRxPackets()).isEqualTo(20);
    String metrics = agent.get("/metrics", site.scrapeToken());
    System.out.println(
        "packaged agent (-Xmx64m, serial GC) "
            + Files.readAllLines(Path.of("/proc", Long.toString(agent.pid()), "status")).stream()
                .filter(l -> l.startsWith("VmRSS"))
                .findFirst()
                .orElse("VmRSS unknown"));
    Map<String, String> aOut = Map.of("pod_name", "a", "direction", "egress", "protocol", "UDP");
    assertThat(Scrape.sum(metrics, "trafficmonitor_pod_packets_total", aOut)).isEqualTo(20);
    assertThat(Scrape.sum(metrics, "trafficmonitor_pod_bytes_total", aOut)).isEqualTo(20 * 228);
    assertThat(agent.get("/q/health/live")).contains("UP");

    Set<Long> secondPrograms = BpfFds.programIds(agent.pid());
    assertThat(agent.stop()).isNotEqualTo(137);
    Wait.until(
        "the stopped agent's programs freed",
        Duration.ofSeconds(15),
        () -> BpfFds.loadedProgramIds().stream().noneMatch(secondPrograms::contains));
    assertThat(agent.tail()).contains("detach");
  }

  /**
   * Our clsact filters on an interface of the node, "hook program-id" per filter, as tc(8) shows
   * them (not as the agent's own netlink code does).
   */
  static List<String> clsactFilters(String dev) throws Exception {
    List<String> out = new ArrayList<>();
    for (String hook : new String[] {"ingress", "egress"}) {
      String json =
          Sh.quiet(
              "nsenter --net="
                  + site.node().netnsPath()
                  + " tc -json filter show dev "
                  + dev
                  + " "
                  + hook
                  + " 2>/dev/null");
      if (json.isBlank()) {
        continue;
      }
      for (JsonNode f : new ObjectMapper().readTree(json)) {
        JsonNode prog = f.path("options").path("prog");
        if (prog.path("name").asText("").startsWith("tm_tc_")) {
          out.add(hook + " " + prog.path("id").asLong());
        }
      }
    }
    return out;
  }

  @Test
  void clsactFiltersOfAKilledAgentAreRemovedByTheNextOne() throws Exception {
    Instant t0 = Instant.now();
    AgentProcess agent = startAgent("clsact-first", "clsact");
    statusAfter(t0, 0);
    List<String> stale = clsactFilters(a.veth);
    assertThat(stale).hasSize(2);
    agent.kill();
    assertThat(clsactFilters(a.veth)).as("clsact filters outlive their agent").isEqualTo(stale);

    Instant t1 = Instant.now();
    agent = startAgent("clsact-second", "clsact");
    statusAfter(t1, 0);
    List<String> now = clsactFilters(a.veth);
    assertThat(now).hasSize(2).doesNotContainAnyElementsOf(stale);
    a.sendUdp(b, 7300, 7301, 15, 150);
    NodeStatus st = statusAfter(t1, 15);
    assertThat(st.getTxBytes()).isEqualTo(15L * (150 + 28));
    String metrics = agent.get("/metrics", site.scrapeToken());
    Map<String, String> vethOut = Map.of("pod_name", "a", "direction", "egress", "protocol", "UDP");
    assertThat(Scrape.sum(metrics, "trafficmonitor_pod_link_packets_total", vethOut)).isEqualTo(15);
    agent.stop();
    assertThat(clsactFilters(a.veth)).as("a graceful stop removes its filters").isEmpty();
  }
}
