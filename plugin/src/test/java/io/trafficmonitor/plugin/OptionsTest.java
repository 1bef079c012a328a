package io.trafficmonitor.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.trafficmonitor.plugin.Options.SortKey;
import org.junit.jupiter.api.Test;

class OptionsTest {

  @Test
  void flagsGoAnywhereInEveryKubectlSpelling() {
    Options o =
        Options.parse(
            "-ndemo",
            "flows",
            "--context=kind",
            "web",
            "-o",
            "json",
            "--kubeconfig",
            "/k",
            "--as",
            "jane",
            "--as-group=dev",
            "--as-group",
            "ops",
            "-w",
            "--after",
            "a:1,b:2",
            "--limit=5");
    assertThat(o.command()).isEqualTo("flows");
    assertThat(o.monitorName()).isEqualTo("web");
    assertThat(o.namespace()).isEqualTo("demo");
    assertThat(o.context()).isEqualTo("kind");
    assertThat(o.output()).isEqualTo("json");
    assertThat(o.kubeconfig()).isEqualTo("/k");
    assertThat(o.as()).isEqualTo("jane");
    assertThat(o.asGroups()).containsExactly("dev", "ops");
    assertThat(o.watch()).isTrue();
    assertThat(o.after()).isEqualTo("a:1,b:2");
    assertThat(o.limit()).isEqualTo(5);

    assertThat(Options.parse("flows", "web", "-n=x").namespace()).isEqualTo("x");
    assertThat(Options.parse("flows", "web", "-n", "x").namespace()).isEqualTo("x");
    assertThat(Options.parse("flows", "web", "--namespace", "x").namespace()).isEqualTo("x");
    assertThat(Options.parse("flows", "web", "-ojson").output()).isEqualTo("json");
    assertThat(Options.parse("flows", "--", "-web").monitorName()).isEqualTo("-web");
  }

  @Test
  void defaults() {
    Options o = Options.parse("top", "web");
    assertThat(o.output()).isEqualTo("wide");
    assertThat(o.sort()).isEqualTo(SortKey.RX);
    assertThat(o.reverse()).isFalse();
    assertThat(o.filter()).isEmpty();
    assertThat(o.iterations()).isZero();
    assertThat(o.namespace()).isNull();
    assertThat(o.after()).isNull();
  }

  @Test
  void topFlags() {
    Options o =
        Options.parse(
            "top", "web", "--sort", "packets", "--reverse", "--filter", "api", "--iterations", "3");
    assertThat(o.sort()).isEqualTo(SortKey.PACKETS);
    assertThat(o.reverse()).isTrue();
    assertThat(o.filter()).isEqualTo("api");
    assertThat(o.iterations()).isEqualTo(3);
    assertThat(Options.parse("top", "web", "--once").iterations()).isEqualTo(1);
    assertThat(Options.parse("top", "web", "-c").clusterMonitor()).isTrue();
  }

  @Test
  void helpNeedsNothingElse() {
    assertThat(Options.parse("--help").help()).isTrue();
    assertThat(Options.parse("help").help()).isTrue();
    assertThat(Options.parse("flows", "-h").help()).isTrue();
  }

  @Test
  void mistakesAreNamed() {
    assertUsage("name a command: top or flows", new String[] {});
    assertUsage("unknown command get", "get", "web");
    assertUsage("flows needs the name of a monitor", "flows");
    assertUsage("one monitor at a time; not also db", "flows", "web", "db");
    assertUsage("unknown flag --follow", "flows", "web", "--follow");
    assertUsage("unknown flag -x", "flows", "web", "-x");
    assertUsage("--namespace needs a value", "flows", "web", "-n");
    assertUsage("--watch takes no value", "flows", "web", "--watch=yes");
    assertUsage("--sort is a flag of top", "flows", "web", "--sort", "rx");
    assertUsage("--watch is a flag of flows", "top", "web", "-w");
    assertUsage(
        "--sort is one of rx, tx, name, packets; not bytes", "top", "web", "--sort", "bytes");
    assertUsage("--limit is a number above 0; not 0", "flows", "web", "--limit", "0");
    assertUsage(
        "--after: a cursor is node:number,node:number; not a", "flows", "web", "--after", "a");
    assertUsage("a ClusterTrafficMonitor has no namespace", "flows", "web", "-c", "-n", "x");
  }

  @Test
  void theNamespaceIsTheFlagsElseTheContextsElseDefault() {
    Config config = Config.empty();
    assertThat(Connection.monitor(Options.parse("flows", "web", "-n", "a"), config))
        .isEqualTo(new Monitor("a", "web"));
    config.setNamespace("ctx");
    assertThat(Connection.monitor(Options.parse("flows", "web"), config))
        .isEqualTo(new Monitor("ctx", "web"));
    config.setNamespace(null);
    assertThat(Connection.monitor(Options.parse("flows", "web"), config))
        .isEqualTo(new Monitor("default", "web"));
    assertThat(Connection.monitor(Options.parse("flows", "web", "-c"), config))
        .isEqualTo(new Monitor(null, "web"));
  }

  private static void assertUsage(String message, String... args) {
    assertThatThrownBy(() -> Options.parse(args))
        .isInstanceOfSatisfying(
            PluginException.class, e -> assertThat(e.exitCode()).isEqualTo(PluginException.USAGE))
        .hasMessageStartingWith(message);
  }
}
