package io.trafficmonitor.plugin.top;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.agent.IntervalReport.Counts;
import io.trafficmonitor.api.v1alpha1.HeavyPrefix;
import io.trafficmonitor.api.v1alpha1.PrefixDirection;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.plugin.FakeLiveApi;
import io.trafficmonitor.plugin.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code top --once} / {@code --iterations} against a fake live API: plain frames without ANSI. The
 * first test also writes target/top-screen.txt, the screen shown in docs/plugin.md.
 */
class TopTest {
  static final long MS10 = 10_000_000L;
  @TempDir Path dir;
  FakeLiveApi api;
  String kubeconfig;

  @BeforeEach
  void start() throws Exception {
    api = new FakeLiveApi("shop", "web", MS10);
    api.monitorJson = FakeLiveApi.asJson(Demo.monitor(Instant.now().minusSeconds(3)));
    kubeconfig = api.kubeconfig(dir, "shop").toString();
    for (int i = 0; i < 100; i++) {
      api.add(
          "node-a",
          MS10,
          List.of(
              new Counts("shop", "frontend-7d9f8-x2kq9", 515_000, 128_750, 430, 210),
              new Counts("shop", "redis-0", 22_750, 3_800, 40, 38)));
      api.add(
          "node-b",
          MS10,
          List.of(
              new Counts("shop", "cart-5c6b7-m4n8p", 120_375, 512_500, 120, 420),
              new Counts("shop", "checkout-6f4d2-q9w3e", 9_100, 6_250, 12, 11)));
    }
  }

  @AfterEach
  void stop() {
    api.close();
  }

  String run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Main.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void onceRendersOnePlainFrameOfPodsFlowsAndLoss() throws Exception {
    String screen = run("top", "web", "--kubeconfig", kubeconfig, "--once");
    Files.writeString(Path.of("target", "top-screen.txt"), screen);

    assertThat(screen).doesNotContain("\033");
    List<String> lines = screen.lines().toList();
    assertThat(lines.get(0))
        .startsWith("kubectl tm top  shop/web  interval 10ms  nodes 2 (node-a, node-b)");
    assertThat(lines)
        .filteredOn(l -> l.startsWith("shop/"))
        .extracting(l -> l.split("\\s+")[0])
        .containsExactly(
            "shop/frontend-7d9f8-x2kq9",
            "shop/cart-5c6b7-m4n8p",
            "shop/redis-0",
            "shop/checkout-6f4d2-q9w3e");
    // 515,000 bytes every 10 ms: 412 Mbit/s
    assertThat(lines)
        .anyMatch(
            l ->
                l.startsWith("shop/frontend-7d9f8-x2kq9")
                    && l.contains("412 Mbit/s")
                    && l.contains("103 Mbit/s")
                    && l.contains("43.0 k"));
    assertThat(screen)
        .contains("TOP FLOWS  from status.summary, written ", "(every 5s)", "retransmits 341");
    assertThat(api.requests)
        .contains("GET /apis/trafficmonitor.io/v1alpha1/namespaces/shop/trafficmonitors/web");
  }

  @Test
  void theSummarysHeavyPrefixesFollowTheFlowsLargestShareFirst() {
    assertThat(run("top", "web", "--kubeconfig", kubeconfig, "--once"))
        .as("none in the summary: no section")
        .doesNotContain("HEAVY PREFIXES");

    TrafficMonitor m = Demo.monitor(Instant.now().minusSeconds(3));
    m.getStatus()
        .getSummary()
        .setHeavyPrefixes(
            List.of(
                new HeavyPrefix(
                    PrefixDirection.Destination, "10.96.0.0/16", 52_000L, 52_000L, 0.0521),
                new HeavyPrefix(
                    PrefixDirection.Source, "10.244.1.0/24", 412_000_000L, 530_000_000L, 0.4123),
                new HeavyPrefix(
                    PrefixDirection.Source, "2001:db8::/32", 96_300_000L, 96_300_000L, 0.0964)));
    api.monitorJson = FakeLiveApi.asJson(m);
    String screen = run("top", "web", "--kubeconfig", kubeconfig, "--once");
    List<String> lines = screen.lines().toList();

    assertThat(screen)
        .containsSubsequence(
            "TOP FLOWS", "10.244.1.12:37001", "HEAVY PREFIXES  from status.summary", "LOSS  ");
    assertThat(lines)
        .filteredOn(l -> l.startsWith("source") || l.startsWith("destination"))
        .extracting(l -> List.of(l.split("\\s+")))
        .containsExactly(
            List.of("source", "10.244.1.0/24", "41.23%", "412", "MB"),
            List.of("source", "2001:db8::/32", "9.64%", "96.3", "MB"),
            List.of("destination", "10.96.0.0/16", "5.21%", "52.0", "kB"));
    assertThat(lines).allMatch(l -> l.length() <= 120);
  }

  @Test
  void iterationsRenderFramesWithTheSortAndFilterOfTheFlags() {
    String screen =
        run(
            "top",
            "web",
            "--kubeconfig",
            kubeconfig,
            "--iterations",
            "2",
            "--sort",
            "tx",
            "--filter",
            "E");
    List<String> frames = List.of(screen.split("\n\n(?=kubectl tm top)"));
    assertThat(frames).hasSize(2);
    assertThat(
            frames.get(1).lines().filter(l -> l.startsWith("shop/")).map(l -> l.split("\\s+")[0]))
        .containsExactly("shop/frontend-7d9f8-x2kq9", "shop/checkout-6f4d2-q9w3e", "shop/redis-0");
    long polls = api.requests.stream().filter(q -> q.contains("/intervals")).count();
    assertThat(polls).isEqualTo(2);
  }
}
