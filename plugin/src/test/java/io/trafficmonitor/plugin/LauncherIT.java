package io.trafficmonitor.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.agent.IntervalReport.Counts;
import io.trafficmonitor.testing.KubeBinaries;
import io.trafficmonitor.testing.Requirements;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as a user gets it: unpacked, its launcher scripts run as processes against
 * the fake live API, and, when the kubectl that hack/setup.sh builds is there, run by kubectl
 * itself as a plugin found on PATH ({@code kubectl tm ...}). An IT because it needs the archive,
 * which Maven makes at package, after the unit tests.
 */
class LauncherIT {
  @TempDir Path dir;
  FakeLiveApi api;
  Path bin;
  Path kubeconfig;

  @BeforeEach
  void unpack() throws Exception {
    Path archive = Path.of(System.getProperty("plugin.archive"));
    assertThat(archive).exists();
    run(List.of("tar", "-xzf", archive.toString(), "-C", dir.toString()), Map.of());
    try (var s = Files.list(dir)) {
      bin =
          s.filter(p -> p.getFileName().toString().startsWith("kubectl-trafficmonitor-"))
              .findFirst()
              .orElseThrow();
    }
    api = new FakeLiveApi("demo", "web", 10_000_000L);
    for (int i = 0; i < 3; i++) {
      api.add("node-a", 10_000_000L, List.of(new Counts("demo", "web-1", 12_500, 2_500, 10, 2)));
    }
    kubeconfig = api.kubeconfig(dir, "demo");
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void theArchiveHoldsBothLaunchersAndTheirJars() {
    assertThat(bin.resolve("kubectl-trafficmonitor")).isExecutable();
    assertThat(bin.resolve("kubectl-tm")).isExecutable();
    assertThat(bin.resolve("lib/trafficmonitor-plugin.jar")).isRegularFile();
    assertThat(bin.resolve("lib/trafficmonitor-crds-0.1.0.jar")).isRegularFile();
  }

  @Test
  void theLauncherPrintsJsonLinesAndTheCursor() throws Exception {
    Result r =
        run(
            List.of(
                bin.resolve("kubectl-trafficmonitor").toString(),
                "flows",
                "web",
                "-o",
                "json",
                "--kubeconfig",
                kubeconfig.toString()),
            Map.of());
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out().lines())
        .hasSize(3)
        .allMatch(l -> l.startsWith("{\"monitor\":\"demo/web\",\"node\":\"node-a\""));
    assertThat(r.err()).isEqualTo("cursor: node-a:3\n");
  }

  @Test
  void theShortLauncherThroughASymlinkWithKubeconfigFromTheEnvironment() throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("kubectl-tm"), bin.resolve("kubectl-tm"));
    Result r =
        run(
            List.of(link.toString(), "flows", "web", "--after", "node-a:2"),
            Map.of("KUBECONFIG", kubeconfig.toString()));
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out().lines())
        .hasSize(2)
        .element(1)
        .asString()
        .startsWith("node-a")
        .contains(" 3 ");
  }

  @Test
  void topOnceIsPlainTextAndTheLibrariesStayQuiet() throws Exception {
    Result r =
        run(
            List.of(
                bin.resolve("kubectl-tm").toString(),
                "top",
                "web",
                "--once",
                "--kubeconfig",
                kubeconfig.toString()),
            Map.of());
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith("kubectl tm top  demo/web  interval 10ms")
        .doesNotContain("\033");
    assertThat(r.out()).contains("demo/web-1");
    assertThat(r.err()).isEmpty(); // no fabric8 or Vert.x warning (v1alpha1 resources included)
  }

  @Test
  void aRefusalIsOneLineAndExitStatusOne() throws Exception {
    api.refuseLive = 403;
    api.refusal = "no";
    Result r =
        run(
            List.of(
                bin.resolve("kubectl-trafficmonitor").toString(),
                "flows",
                "web",
                "--kubeconfig",
                kubeconfig.toString()),
            Map.of());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("error: you may not read trafficmonitor demo/web: no\n");
  }

  @Test
  void kubectlRunsItAsAPluginFoundOnPath() throws Exception {
    Path kubectl = KubeBinaries.locate().kubectl();
    // Under CI=true a missing kubectl fails the test; on a laptop it skips, saying why.
    Requirements.require(
        Files.isExecutable(kubectl), "no kubectl at " + kubectl + " (hack/setup.sh builds it)");
    Map<String, String> env =
        Map.of("PATH", bin + ":" + System.getenv("PATH"), "KUBECONFIG", kubeconfig.toString());

    Result list = run(List.of(kubectl.toString(), "plugin", "list"), env);
    assertThat(list.out())
        .contains(
            bin.resolve("kubectl-trafficmonitor").toString(), bin.resolve("kubectl-tm").toString());

    Result r = run(List.of(kubectl.toString(), "tm", "flows", "web", "-o", "json"), env);
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out().lines()).hasSize(3);
    Result full =
        run(
            List.of(
                kubectl.toString(),
                "trafficmonitor",
                "flows",
                "web",
                "-n",
                "demo",
                "--after",
                "node-a:1",
                "-o",
                "json"),
            env);
    assertThat(full.out().lines()).hasSize(2);
  }

  record Result(int status, String out, String err) {}

  private Result run(List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
    pb.environment().remove("KUBECONFIG");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    Path out = dir.resolve("out"), err = dir.resolve("err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s ends", command).isTrue();
    return new Result(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
