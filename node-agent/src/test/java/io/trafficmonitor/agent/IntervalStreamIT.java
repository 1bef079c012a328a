package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.access.AgentAudience;
import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.agent.RealtimeReport;
import io.trafficmonitor.api.agent.SummaryReport;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packaged agent streams a monitor's intervals as Server-Sent Events ({@code
 * .../intervals/stream}): a watcher connected before the traffic gets every 10 ms interval once, in
 * order, and their bytes add up exactly to what two pods sent. {@link #watchers} is what {@code
 * IntervalStreamBench} measures the agent's CPU with.
 */
class IntervalStreamIT {
  @RegisterExtension
  static final AgentOnTestNode site = new AgentOnTestNode("tm-stream-", "tmst").packaged();

  static TestNode.TestPod a;
  static TestNode.TestPod b;
  static AgentProcess agent;

  /** A ServiceAccount's token whose Role may get the namespace's TrafficMonitors. */
  static String readerToken;

  /** A token with the operator's right: every monitor's entries. */
  static String operatorToken;

  /** A ServiceAccount's token without any role. */
  static String strangerToken;

  @BeforeAll
  static void setUp() throws Exception {
    a = site.addPod("a", 2, "web");
    b = site.addPod("b", 3, "web");
    site.client().resource(Cluster.monitor(site.namespace(), "web", "web", "10ms")).create();
    site.client()
        .rbac()
        .roles()
        .inNamespace(site.namespace())
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName("read-monitors")
                .endMetadata()
                .addNewRule()
                .withApiGroups("trafficmonitor.io")
                .withResources("trafficmonitors")
                .withVerbs("get")
                .endRule()
                .build())
        .create();
    site.client()
        .rbac()
        .roleBindings()
        .inNamespace(site.namespace())
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("reader")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "read-monitors")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("reader")
                .withNamespace(site.namespace())
                .endSubject()
                .build())
        .create();
    readerToken = token("reader");
    operatorToken = OperatorTokens.token(site.client(), site.namespace());
    strangerToken = token("stranger");
    agent = site.startAgentProcess("stream", site.agentEnv());
    Wait.until(
        "both pods attached",
        Duration.ofSeconds(30),
        () -> {
          try {
            return agent.get("/api/v1/status", operatorToken).contains("\"pods\":2");
          } catch (Exception notYet) {
            return false;
          }
        });
  }

  /** A token of ServiceAccount {@code name} (made) in the test's namespace. */
  static String token(String name) {
    site.client()
        .serviceAccounts()
        .inNamespace(site.namespace())
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return OperatorTokens.tokenOf(site.client(), site.namespace(), name);
  }

  /** The stream's path for the test's monitor. */
  static String streamPath(long after) {
    return "/api/v1/namespaces/"
        + site.namespace()
        + "/trafficmonitors/web/intervals/stream?after="
        + after;
  }

  /** A watcher: reads the stream's events into {@code into} until closed. */
  static final class Watcher implements AutoCloseable {
    final List<IntervalReport> into = new CopyOnWriteArrayList<>();
    private final InputStream body;
    private final Thread reader;

    Watcher(HttpClient http, long after) throws Exception {
      HttpResponse<InputStream> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + agent.port + streamPath(after)))
                  .header("Accept", "text/event-stream")
                  .header("Authorization", "Bearer " + readerToken)
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(r.statusCode()).isEqualTo(200);
      body = r.body();
      reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                  for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("data:")) {
                      into.add(
                          Serialization.unmarshal(line.substring(5).trim(), IntervalReport.class));
                    }
                  }
                } catch (Exception closed) {
                  // the watcher was closed
                }
              },
              "watcher");
      reader.setDaemon(true);
      reader.start();
    }

    List<IntervalReport.Interval> records() {
      return into.stream().flatMap(r -> r.records().stream()).toList();
    }

    @Override
    public void close() throws Exception {
      body.close();
      reader.join(5_000);
    }
  }

  /** The number of the newest record now. */
  static long last() throws Exception {
    String json =
        agent.get(
            "/api/v1/namespaces/" + site.namespace() + "/trafficmonitors/web/intervals?after=0",
            readerToken);
    return Serialization.unmarshal(json, IntervalReport.class).last();
  }

  /**
   * Every monitor's entries at once ({@code /api/v1/status}, what the operator pulls) only for
   * whoever may write every monitor's status: not without a token, not for a reader of the
   * namespace's monitors.
   */
  @Test
  void everyMonitorsEntriesOnlyForTheOperatorsRight() throws Exception {
    assertThat(agent.send("/api/v1/status", null).statusCode()).isEqualTo(401);
    var refused = agent.send("/api/v1/status", readerToken);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body())
        .contains(
            "system:serviceaccount:" + site.namespace() + ":reader",
            "may not read every monitor's figures");
    assertThat(agent.send("/api/v1/status", operatorToken).statusCode()).isEqualTo(200);
  }

  /**
   * The operator's token for the agents (of their audience, as the chart projects it) is taken by
   * the agent and refused by the API server, where the same account's token of the API server's
   * audience authenticates: whoever answers at an agent's address learns nothing it could use
   * against the API server. A token of an audience neither knows is refused by the agent.
   */
  @Test
  void theOperatorsTokenForTheAgentsIsGoodForTheAgentsOnly() throws Exception {
    String forAgents =
        OperatorTokens.tokenOf(site.client(), site.namespace(), "operator", AgentAudience.AUDIENCE);
    assertThat(agent.send("/api/v1/status", forAgents).statusCode()).isEqualTo(200);
    assertThat(apiServerAnswer(forAgents)).isEqualTo(401);
    assertThat(apiServerAnswer(operatorToken))
        .as("the same account, the API's audience")
        .isEqualTo(403);
    String elsewhere =
        OperatorTokens.tokenOf(site.client(), site.namespace(), "operator", "somewhere-else");
    assertThat(agent.send("/api/v1/status", elsewhere).statusCode()).isEqualTo(401);
  }

  /**
   * The HTTP status of the API server's answer to reading this test's namespace with {@code token}.
   */
  private static int apiServerAnswer(String token) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(site.client().getMasterUrl().toString())
            .withTrustCerts(true)
            .withOauthToken(token)
            .withRequestRetryBackoffLimit(0)
            .build();
    try (KubernetesClient as = new KubernetesClientBuilder().withConfig(config).build()) {
      as.namespaces().withName(site.namespace()).get();
      return 200;
    } catch (KubernetesClientException e) {
      return e.getCode();
    }
  }

  /**
   * /metrics, every monitor's series, only for a token whose user may get the non-resource URL
   * /metrics (kube-rbac-proxy's rule): not without a token or with one the API server does not know
   * (401, asking for a bearer token), not for a user without that right, even one who may read the
   * monitors (403, naming what is missing); the health probes need no token.
   */
  @Test
  void metricsOnlyForWhoMayGetTheMetricsUrl() throws Exception {
    for (String token : new String[] {null, "not-a-token"}) {
      var unauthenticated = agent.send("/metrics", token);
      assertThat(unauthenticated.statusCode()).as(token).isEqualTo(401);
      assertThat(unauthenticated.headers().firstValue("WWW-Authenticate")).contains("Bearer");
    }
    for (String token : new String[] {strangerToken, readerToken}) {
      var refused = agent.send("/metrics", token);
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body())
          .startsWith("system:serviceaccount:" + site.namespace() + ":")
          .contains("may not get /metrics (nonResourceURLs: [\"/metrics\"], verbs: [\"get\"])");
    }
    var scraped = agent.send("/metrics", site.scrapeToken());
    assertThat(scraped.statusCode()).as(scraped.body()).isEqualTo(200);
    assertThat(scraped.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain").contains("version=0.0.4"));
    assertThat(
            Scrape.has(scraped.body(), "trafficmonitor_pods_monitored", Map.of("monitor", "web")))
        .isTrue();
    assertThat(agent.send("/q/health/live", null).statusCode()).isEqualTo(200);
    assertThat(agent.send("/q/health/ready", null).statusCode()).isEqualTo(200);
  }

  /**
   * The caller's own RBAC decides: no token is refused (401), a token whose user may not get the
   * monitor is refused naming what it lacks (403), the reader's is served.
   */
  @Test
  void onlyACallerWhoMayGetTheMonitorReadsIt() throws Exception {
    String path =
        "/api/v1/namespaces/" + site.namespace() + "/trafficmonitors/web/intervals?after=0";
    assertThat(agent.send(path, null).statusCode()).isEqualTo(401);
    assertThat(agent.send(path, "not-a-token").statusCode()).isEqualTo(401);
    var refused = agent.send(path, strangerToken);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body())
        .contains(
            "system:serviceaccount:" + site.namespace() + ":stranger",
            "may not get trafficmonitors/web in namespace " + site.namespace());
    assertThat(agent.send(path, readerToken).statusCode()).isEqualTo(200);
    assertThat(agent.send(streamPath(0), strangerToken).statusCode()).isEqualTo(403);
    assertThat(
            agent
                .send(
                    "/api/v1/namespaces/" + site.namespace() + "/trafficmonitors/other/intervals",
                    readerToken)
                .statusCode())
        .as("allowed (its Role covers the namespace's monitors), and no such monitor served")
        .isEqualTo(404);
  }

  /** The snapshots beside the records are checked as they are, and answer what they say. */
  @Test
  void theSnapshotsAreForTheSameCallersOnly() throws Exception {
    String base = "/api/v1/namespaces/" + site.namespace() + "/trafficmonitors/web/";
    for (String snapshot : List.of("realtime", "summary")) {
      assertThat(agent.send(base + snapshot, null).statusCode()).as(snapshot).isEqualTo(401);
      var refused = agent.send(base + snapshot, strangerToken);
      assertThat(refused.statusCode()).as(snapshot).isEqualTo(403);
      assertThat(refused.body())
          .contains("may not get trafficmonitors/web in namespace " + site.namespace());
      assertThat(
              agent
                  .send(
                      "/api/v1/namespaces/"
                          + site.namespace()
                          + "/trafficmonitors/other/"
                          + snapshot,
                      readerToken)
                  .statusCode())
          .as(snapshot + " of a monitor not served")
          .isEqualTo(404);
    }
    var realtime = agent.send(base + "realtime", readerToken);
    assertThat(realtime.statusCode()).isEqualTo(200);
    RealtimeReport r = Serialization.unmarshal(realtime.body(), RealtimeReport.class);
    assertThat(r.name()).isEqualTo("web");
    assertThat(r.intervalNanos()).isEqualTo(10_000_000L);
    var summary = agent.send(base + "summary", readerToken);
    assertThat(summary.statusCode()).isEqualTo(200);
    SummaryReport s = Serialization.unmarshal(summary.body(), SummaryReport.class);
    assertThat(s.namespace()).isEqualTo(site.namespace());
    assertThat(s.since()).isNotNull();
  }

  @Test
  void aWatcherGetsEveryIntervalOnceAndTheirSumIsExact() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (Watcher w = new Watcher(http, last())) {
      int bursts = 10;
      int count = 20;
      int size = 300;
      for (int i = 0; i < bursts; i++) {
        a.sendUdp(b, 7300 + i, 7003, count, size);
        Thread.sleep(30);
      }
      long sent = (long) bursts * count;
      Wait.until(
          "the watcher has every datagram",
          Duration.ofSeconds(10),
          () -> w.records().stream().mapToLong(IntervalReport.Interval::rxPackets).sum() >= sent);
      List<IntervalReport.Interval> records = w.records();
      for (int i = 1; i < records.size(); i++) {
        assertThat(records.get(i).seq()).isEqualTo(records.get(i - 1).seq() + 1);
      }
      assertThat(w.into).noneMatch(IntervalReport::missed);
      assertThat(records.stream().mapToLong(IntervalReport.Interval::rxPackets).sum())
          .isEqualTo(sent);
      assertThat(records.stream().mapToLong(IntervalReport.Interval::txBytes).sum())
          .isEqualTo(sent * (size + 28));
      System.out.printf(
          "IntervalStreamIT: %d events, %d intervals, %d datagrams, exact%n",
          w.into.size(), records.size(), sent);
    }
  }

  /**
   * The agent's CPU (user + system, in cores) while {@code n} watchers follow the monitor at {@code
   * interval} for {@code seconds}, pods a and b exchanging 100 datagrams a second.
   */
  static double watchers(int n, String interval, int seconds) throws Exception {
    site.client()
        .resources(TrafficMonitor.class)
        .inNamespace(site.namespace())
        .withName("web")
        .edit(
            tm -> {
              tm.getSpec().setInterval(interval);
              return tm;
            });
    Thread.sleep(3_000); // reconciled
    HttpClient http = HttpClient.newHttpClient();
    List<Watcher> ws = new ArrayList<>();
    long after = last();
    for (int i = 0; i < n; i++) {
      ws.add(new Watcher(http, after));
    }
    Thread.sleep(2_000);
    long cpu0 = cpuTicks(agent.pid());
    long t0 = System.nanoTime();
    for (int s = 0; s < seconds; s++) {
      long second = System.nanoTime();
      a.sendUdp(b, 7400, 7004, 100, 200);
      long left = 1_000_000_000L - (System.nanoTime() - second);
      if (left > 0) {
        Thread.sleep(left / 1_000_000L);
      }
    }
    long wall = System.nanoTime() - t0;
    double cores = (cpuTicks(agent.pid()) - cpu0) / 100.0 / (wall / 1e9);
    long events = ws.stream().mapToLong(w -> w.into.size()).sum();
    for (Watcher w : ws) {
      w.close();
    }
    System.out.printf(
        "IntervalStreamBench: %d watchers at %s for %.1f s: agent %.3f cores; %d events (%.0f per"
            + " watcher per second)%n",
        n, interval, wall / 1e9, cores, events, events / (double) n / (wall / 1e9));
    return cores;
  }

  /** utime + stime of a process, in clock ticks (100 a second). */
  static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
}
