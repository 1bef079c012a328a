package io.trafficmonitor.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.trafficmonitor.api.agent.IntervalReport.Counts;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flows} against a fake live API: poll, cursor, stream resumed without loss or repeat. */
class FlowsTest {
  static final long MS10 = 10_000_000L;
  @TempDir Path dir;
  FakeLiveApi api;
  String kubeconfig;

  @BeforeEach
  void start() throws Exception {
    api = new FakeLiveApi("demo", "web", MS10);
    kubeconfig = api.kubeconfig(dir, "demo").toString();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private void records(String node, int n) {
    for (int i = 0; i < n; i++) {
      api.add(
          node, MS10, 12_500, 2_500, List.of(new Counts("demo", "web-1", 12_500, 2_500, 10, 2)));
    }
  }

  @Test
  void onePollPrintsWhatIsKeptAsJsonLinesAndTheCursorOnStderr() throws Exception {
    records("node-a", 2);
    records("node-b", 1);
    Run r = Run.of("flows", "web", "--kubeconfig", kubeconfig, "-o", "json");

    assertThat(r.status()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(3);
    JsonNode first = FakeLiveApi.JSON.readTree(lines.get(0));
    assertThat(first.fieldNames())
        .toIterable()
        .containsExactly(
            "monitor",
            "node",
            "seq",
            "end",
            "durationNanos",
            "intervalNanos",
            "rxBytes",
            "txBytes",
            "rxPackets",
            "txPackets",
            "rxBitsPerSecond",
            "txBitsPerSecond",
            "pods",
            "interfaces",
            "cursor");
    assertThat(first.get("monitor").asText()).isEqualTo("demo/web");
    assertThat(first.get("node").asText()).isEqualTo("node-a");
    assertThat(first.get("seq").asLong()).isEqualTo(1);
    // 12,500 bytes in 10 ms: 10 Mbit/s
    assertThat(first.get("rxBitsPerSecond").asLong()).isEqualTo(10_000_000);
    assertThat(first.get("txBitsPerSecond").asLong()).isEqualTo(2_000_000);
    assertThat(first.get("pods").get(0).get("name").asText()).isEqualTo("web-1");
    assertThat(first.get("interfaces").isArray()).isTrue();
    assertThat(first.get("cursor").asText()).isEqualTo("node-a:1");
    assertThat(FakeLiveApi.JSON.readTree(lines.get(2)).get("cursor").asText())
        .isEqualTo("node-a:2,node-b:1");
    assertThat(r.err()).contains("cursor: node-a:2,node-b:1");
    assertThat(api.requests)
        .anyMatch(
            q ->
                q.equals(
                    "GET /apis/live.trafficmonitor.io/v1alpha1/namespaces/demo/trafficmonitors/web/intervals"));
  }

  @Test
  void afterGoesOnFromTheCursor() {
    records("node-a", 3);
    Run r = Run.of("flows", "web", "--kubeconfig", kubeconfig, "--after", "node-a:2", "-o", "json");

    assertThat(r.out().lines()).hasSize(1).allMatch(l -> l.contains("\"seq\":3"));
    assertThat(api.requests).anyMatch(q -> q.endsWith("/intervals?after=node-a:2"));
  }

  @Test
  void wideIsATableWithItsHeaderOnce() {
    records("node-a", 2);
    Run r = Run.of("flows", "web", "--kubeconfig", kubeconfig);

    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).split("\\s+"))
        .containsExactly(
            "NODE",
            "SEQ",
            "END",
            "DURATION",
            "RX-BYTES",
            "TX-BYTES",
            "RX-PKTS",
            "TX-PKTS",
            "RX-RATE",
            "TX-RATE");
    assertThat(lines.get(1))
        .startsWith("node-a")
        .contains(
            " 1 ",
            "2026-11-30T12:00:00.010Z",
            "10ms",
            "12500",
            "2500",
            "10.0 Mbit/s",
            "2.00 Mbit/s");
    assertThat(lines.get(2)).contains("2026-11-30T12:00:00.020Z");
  }

  @Test
  void aWatchFollowsTheStreamAcrossItsEndsWithoutLossOrRepeat() throws Exception {
    records("node-a", 7);
    records("node-b", 5);
    api.eventsPerStream = 2; // each response: two events of at most two records, then the end

    Run r = Run.of("flows", "web", "--kubeconfig", kubeconfig, "-w", "-o", "json", "--limit", "12");

    assertThat(r.status()).as(r.err()).isZero();
    List<JsonNode> lines = r.out().lines().map(FlowsTest::json).toList();
    assertThat(
            lines.stream()
                .filter(l -> l.get("node").asText().equals("node-a"))
                .map(l -> l.get("seq").asLong()))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 7).boxed().toList());
    assertThat(
            lines.stream()
                .filter(l -> l.get("node").asText().equals("node-b"))
                .map(l -> l.get("seq").asLong()))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 5).boxed().toList());
    List<String> streams = api.requests.stream().filter(q -> q.contains("/stream")).toList();
    assertThat(streams).hasSizeGreaterThanOrEqualTo(3);
    assertThat(streams.get(0)).endsWith("/intervals/stream");
    assertThat(streams.get(1)).endsWith("/intervals/stream?after=node-a:2,node-b:2");
    assertThat(streams.get(2)).endsWith("/intervals/stream?after=node-a:4,node-b:4");
    assertThat(r.err()).contains("cursor: node-a:7,node-b:5");
  }

  @Test
  void aLimitInTheMiddleOfAnEventLeavesTheCursorAtTheLastRecordPrinted() {
    records("node-a", 4);
    Run r = Run.of("flows", "web", "--kubeconfig", kubeconfig, "-w", "--limit", "3");

    assertThat(r.out().lines()).hasSize(4); // header and three records
    assertThat(r.err()).contains("cursor: node-a:3");
  }

  @Test
  void recordsTheAgentNoLongerKeepsAreToldOnStderr() {
    records("node-a", 2);
    api.missedOnPoll = true;
    Run r = Run.of("flows", "web", "--kubeconfig", kubeconfig, "--after", "node-a:0");

    assertThat(r.err()).contains("warning: node node-a:", "were lost");
  }

  @Test
  void aClusterMonitorIsReadAtItsClusterPath() throws Exception {
    try (FakeLiveApi cluster = new FakeLiveApi(null, "nodes", MS10)) {
      cluster.add("node-a", MS10, 1, 1, List.of());
      Run r =
          Run.of(
              "flows", "nodes", "-c", "--kubeconfig", cluster.kubeconfig(dir, "demo").toString());
      assertThat(r.status()).as(r.err()).isZero();
      assertThat(cluster.requests)
          .contains(
              "GET /apis/live.trafficmonitor.io/v1alpha1/clustertrafficmonitors/nodes/intervals");
    }
  }

  @Test
  void impersonationGoesAsTheHeadersOfEveryRequest() {
    records("node-a", 1);
    Run r = Run.of("flows", "web", "--kubeconfig", kubeconfig, "--as", "jane", "--as-group", "dev");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(api.impersonated).isNotEmpty().allMatch(h -> h.equals("jane[dev]"));
  }

  private static JsonNode json(String line) {
    try {
      return FakeLiveApi.JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError(line, e);
    }
  }
}
