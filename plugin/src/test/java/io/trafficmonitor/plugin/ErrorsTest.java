package io.trafficmonitor.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Refusals of the API server become one plain sentence on stderr and exit status 1. */
class ErrorsTest {
  @TempDir Path dir;
  FakeLiveApi api;
  String kubeconfig;

  @BeforeEach
  void start() throws Exception {
    api = new FakeLiveApi("demo", "web", 10_000_000L);
    kubeconfig = api.kubeconfig(dir, "demo").toString();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void forbiddenNamesTheMonitorAndKeepsTheServersMessage() {
    api.refuseLive = 403;
    api.refusal = "User \"jane\" cannot get trafficmonitors/intervals in the namespace \"demo\"";

    for (String[] args :
        new String[][] {
          {"flows", "web", "--kubeconfig", kubeconfig},
          {"flows", "web", "--kubeconfig", kubeconfig, "--watch"},
          {"top", "web", "--kubeconfig", kubeconfig, "--once"}
        }) {
      Run r = Run.of(args);
      assertThat(r.status()).isEqualTo(1);
      assertThat(r.err().strip())
          .isEqualTo(
              "error: you may not read trafficmonitor demo/web: User \"jane\" cannot get"
                  + " trafficmonitors/intervals in the namespace \"demo\"");
      assertThat(r.out()).isEmpty();
    }
  }

  @Test
  void notFoundSaysTheMonitorDoesNotExist() {
    api.refuseLive = 404;
    api.refusal = "trafficmonitors.trafficmonitor.io \"web\" not found";
    api.monitorExists = false;

    Run r = Run.of("flows", "web", "--kubeconfig", kubeconfig);

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: trafficmonitor demo/web does not exist: ");
  }

  @Test
  void notFoundOfAnExistingMonitorSaysTheLiveApiIsMissing() {
    api.refuseLive = 404;
    api.refusal = "the server could not find the requested resource";

    Run r = Run.of("flows", "web", "--kubeconfig", kubeconfig);

    assertThat(r.err())
        .startsWith(
            "error: the live API does not exist on this cluster (no APIService v1alpha1.live.trafficmonitor.io")
        .contains("the server could not find the requested resource");
  }

  @Test
  void unavailableNamesTheApiServiceAndItsReasonWhenReadable() {
    api.refuseLive = 503;
    api.refusal = "service unavailable";

    Run forbidden = Run.of("flows", "web", "--kubeconfig", kubeconfig);
    assertThat(forbidden.err().strip())
        .isEqualTo(
            "error: the live API is not available (APIService v1alpha1.live.trafficmonitor.io):"
                + " service unavailable");

    api.apiServiceJson =
        """
        {"kind":"APIService","status":{"conditions":[{"type":"Available","status":"False",
         "reason":"MissingEndpoints","message":"endpoints for service/trafficmonitor-live in \\"tm\\" have no addresses"}]}}""";
    Run readable = Run.of("flows", "web", "--kubeconfig", kubeconfig);
    assertThat(readable.status()).isEqualTo(1);
    assertThat(readable.err())
        .contains(
            "service unavailable; the APIService says MissingEndpoints: endpoints for"
                + " service/trafficmonitor-live in \"tm\" have no addresses");
    // at once: fabric8's own retries of a 503 are off
    assertThat(api.requests.stream().filter(q -> q.contains("/intervals")).count()).isEqualTo(2);
  }

  @Test
  void anUnreachableServerSaysWhere() throws Exception {
    api.close();
    Run r = Run.of("flows", "web", "--kubeconfig", kubeconfig);

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: cannot reach the API server at " + api.url());
  }

  @Test
  void aMissingKubeconfigOrContextIsSaid() {
    assertThat(Run.of("flows", "web", "--kubeconfig", dir.resolve("none").toString()).err())
        .contains("error: no kubeconfig at ");
    assertThat(Run.of("flows", "web", "--kubeconfig", kubeconfig, "--context", "nope").err())
        .contains("error: context nope is not in the kubeconfig");
  }

  @Test
  void aWrongCommandLineExitsWithTwo() {
    Run r = Run.of("flows", "web", "-o", "yaml");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("error: -o is json or wide; not yaml");
  }
}
