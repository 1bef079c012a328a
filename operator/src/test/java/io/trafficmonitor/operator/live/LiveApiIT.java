package io.trafficmonitor.operator.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.live.IntervalCursor;
import io.trafficmonitor.api.live.IntervalReportList;
import io.trafficmonitor.api.live.LiveApi;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.Agents;
import io.trafficmonitor.operator.Monitors;
import io.trafficmonitor.operator.OperatorHarness;
import io.trafficmonitor.testing.LocalCluster;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.ServingCert;
import io.trafficmonitor.testing.Sh;
import io.trafficmonitor.testing.TestCluster;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live API through a real kube-apiserver's aggregation layer: an APIService whose Service's
 * endpoint is the operator's {@link LiveApiServer}, two stand-in agents on their own addresses
 * (records 1 to {@value #RECORDS} each), and users the API server authenticates by impersonation
 * (kubectl {@code --as}). It shows: the API server's RBAC on {@code trafficmonitors/intervals}
 * comes first, the operator's check of the monitor itself second (each refusal says who lacks
 * what); polls read every node's records once by the cursor; the stream goes through the API server
 * as Server-Sent Events and goes on, without a loss or a repeat, over an agent that ends its
 * stream; nobody but the API server can call the live API (no client certificate: no TLS).
 */
class LiveApiIT {
  private static final String NS = "it-live";
  private static final String AGENTS_NS = "it-live-system";
  private static final String MONITOR = "web";
  private static final int RECORDS = 40;
  private static final List<String> NODES = List.of("live-a", "live-b");

  private static TestCluster cluster;
  private static KubernetesClient client;
  private static Vertx vertx;
  private static LiveApiServer live;
  private static final List<HttpServer> agents = new ArrayList<>();
  private static final List<String> addresses = new ArrayList<>();
  private static String prefix;
  private static Path dir;
  private static ServingCert cert;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.shared();
    client = cluster.client();
    OperatorHarness.installCrds(client);
    for (String ns : List.of(NS, AGENTS_NS)) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .serverSideApply();
    }
    TrafficMonitor tm = Monitors.monitor(NS, MONITOR, "statusInterval: 10s");
    tm.getMetadata().setGeneration(null);
    client.resource(tm).serverSideApply();

    // Addresses an Endpoints object accepts (not 127/8), local to this host: on its loopback link.
    int net = ThreadLocalRandom.current().nextInt(0, 250);
    prefix = "10.213." + net + ".";
    for (int i = 1; i <= 3; i++) {
      Sh.ok("ip addr add " + prefix + i + "/32 dev lo");
      addresses.add(prefix + i);
    }

    int agentPort = LocalCluster.freePort();
    for (int i = 0; i < NODES.size(); i++) {
      String node = NODES.get(i);
      String address = prefix + (i + 1);
      agents.add(agent(node, address, agentPort));
      String pod = "agent-" + node;
      client
          .pods()
          .inNamespace(AGENTS_NS)
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName(pod)
                  .addToLabels("app.kubernetes.io/name", "trafficmonitor-agent")
                  .endMetadata()
                  .withNewSpec()
                  .withNodeName(node)
                  .addNewContainer()
                  .withName("agent")
                  .withImage("localhost/none")
                  .endContainer()
                  .endSpec()
                  .build())
          .serverSideApply();
      Agents.giveAddress(client, AGENTS_NS, pod, address);
    }

    dir = Files.createTempDirectory(Path.of("target"), "live-api-");
    cert =
        ServingCert.generate(
            dir, "live", List.of("live." + AGENTS_NS + ".svc"), List.of(prefix + "3"));
    int livePort = LocalCluster.freePort();
    vertx = Vertx.vertx();
    live =
        LiveApiServer.start(vertx, client, AGENTS_NS, agentPort, new LiveSettings(livePort, dir));
    assertThat(live)
        .as("the live API starts (the API server publishes its request-header CA)")
        .isNotNull();

    // The APIService, as the chart makes it, its Service's endpoint being this process.
    LiveApiSetup.apiService(cluster, AGENTS_NS, prefix + "3", livePort, cert.ca());

    // alice reads the monitor and its live records; bob may ask the live API but not read the
    // monitor; carol has no right at all.
    role("reader", true, true);
    role("live-only", true, false);
    bind("reader", "alice");
    bind("live-only", "bob");
  }

  @AfterAll
  static void stop() throws IOException {
    // What the aggregator said, for a failure: target/live-api-apiserver.log
    Path log = cluster.kubeconfig().getParent().resolve("kube-apiserver.log");
    if (Files.exists(log)) {
      Files.copy(
          log, Path.of("target/live-api-apiserver.log"), StandardCopyOption.REPLACE_EXISTING);
    }
    if (live != null) {
      live.close();
    }
    if (vertx != null) {
      vertx.close();
    }
    agents.forEach(a -> a.stop(0));
    if (client != null) {
      cluster.kubectl("delete", "apiservice", LiveApi.API_SERVICE, "--ignore-not-found");
      client.namespaces().withName(NS).delete();
      client.namespaces().withName(AGENTS_NS).delete();
    }
    addresses.forEach(a -> Sh.quiet("ip addr del " + a + "/32 dev lo"));
  }

  private static void role(String name, boolean live, boolean monitor) {
    RoleBuilder r = new RoleBuilder().withNewMetadata().withName(name).endMetadata();
    if (live) {
      r.addToRules(
          new PolicyRuleBuilder()
              .withApiGroups(LiveApi.GROUP)
              .withResources(
                  "trafficmonitors/intervals",
                  monitor ? "trafficmonitors/realtime" : "trafficmonitors/intervals",
                  monitor ? "trafficmonitors/summary" : "trafficmonitors/intervals")
              .withVerbs("get")
              .build());
    }
    if (monitor) {
      r.addToRules(
          new PolicyRuleBuilder()
              .withApiGroups("trafficmonitor.io")
              .withResources("trafficmonitors")
              .withVerbs("get")
              .build());
    }
    client.rbac().roles().inNamespace(NS).resource(r.build()).serverSideApply();
  }

  private static void bind(String role, String user) {
    LiveApiSetup.bind(client, NS, role, user);
  }

  /** The record {@code seq} of {@code node}: its bytes say which it is. */
  private static IntervalReport.Interval record(String node, long seq) {
    long id = (node.endsWith("a") ? 1_000_000 : 2_000_000) + seq;
    return new IntervalReport.Interval(
        seq,
        Instant.ofEpochSecond(1_800_000_000L + seq).toString(),
        10_000_000,
        id,
        2 * id,
        seq,
        seq,
        List.of(new IntervalReport.Counts(NS, "pod-" + node, id, 2 * id, seq, seq)),
        List.of());
  }

  private static IntervalReport report(String node, long after, long upTo) {
    List<IntervalReport.Interval> r = new ArrayList<>();
    for (long s = after + 1; s <= upTo; s++) {
      r.add(record(node, s));
    }
    return new IntervalReport(node, NS, MONITOR, 10_000_000, 1, RECORDS, false, r);
  }

  /**
   * A stand-in agent: polls answer every record after {@code ?after=}; a stream sends them one
   * event each and ends after 5 (an agent's stream that ends: the operator must ask again).
   */
  private static HttpServer agent(String node, String address, int port) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(address, port), 16);
    String path = "/api/v1/namespaces/" + NS + "/trafficmonitors/";
    s.createContext(
        path,
        ex -> {
          String p = ex.getRequestURI().getPath();
          if (p.equals(path + MONITOR + "/realtime") || p.equals(path + MONITOR + "/summary")) {
            send(ex, 200, "{\"node\":\"" + node + "\",\"at\":\"" + p + "\"}");
            return;
          }
          long after =
              Long.parseLong(ex.getRequestURI().getQuery().replaceAll(".*after=(\\d+).*", "$1"));
          if (!p.startsWith(path + MONITOR + "/intervals")) {
            send(ex, 404, "this agent serves no TrafficMonitor");
          } else if (p.endsWith("/stream")) {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
              for (long seq = after + 1; seq <= Math.min(after + 5, RECORDS); seq++) {
                IntervalReport one = report(node, seq - 1, seq);
                out.write(
                    ("data:" + Serialization.asJson(one) + "\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                sleep(20);
              }
            }
          } else {
            send(ex, 200, Serialization.asJson(report(node, after, RECORDS)));
          }
        });
    s.start();
    return s;
  }

  private static void send(HttpExchange ex, int code, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ProcessResult raw(String user, String path) {
    return cluster.kubectl("get", "--raw", path, "--as", user);
  }

  @Test
  void pollsReadEveryNodesRecordsOnceByTheCursor() {
    String path = LiveApi.intervalsPath(NS, MONITOR);
    ProcessResult first = raw("alice", path);
    assertThat(first.exitCode()).as(first.stderr()).isZero();
    IntervalReportList all = Serialization.unmarshal(first.stdout(), IntervalReportList.class);
    assertThat(all.kind()).isEqualTo(IntervalReportList.KIND);
    assertThat(all.items())
        .extracting(IntervalReport::node)
        .containsExactlyInAnyOrderElementsOf(NODES);
    assertThat(all.items()).allSatisfy(r -> assertThat(r.records()).hasSize(RECORDS));
    assertThat(IntervalCursor.parse(all.cursor()).nodes())
        .isEqualTo(Map.of("live-a", (long) RECORDS, "live-b", (long) RECORDS));
    assertThat(all.unreachable()).isNull();

    ProcessResult from30 = raw("alice", path + "?after=live-a:30");
    IntervalReportList rest = Serialization.unmarshal(from30.stdout(), IntervalReportList.class);
    assertThat(rest.items())
        .filteredOn(r -> r.node().equals("live-a"))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.records())
                    .extracting(IntervalReport.Interval::seq)
                    .containsExactly(31L, 32L, 33L, 34L, 35L, 36L, 37L, 38L, 39L, 40L));

    ProcessResult none = raw("alice", path + "?after=" + all.cursor());
    assertThat(Serialization.unmarshal(none.stdout(), IntervalReportList.class).items())
        .allSatisfy(r -> assertThat(r.records()).isEmpty());

    ProcessResult bad = raw("alice", path + "?after=live-a");
    assertThat(bad.exitCode()).isNotZero();
    assertThat(bad.stderr()).contains("a cursor is node:number");
  }

  @Test
  void snapshotsListEveryNodesAnswer() {
    for (String which : List.of(LiveApi.REALTIME, LiveApi.SUMMARY)) {
      ProcessResult r = raw("alice", LiveApi.snapshotPath(NS, MONITOR, which));
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      @SuppressWarnings("unchecked")
      Map<String, Object> list = Serialization.unmarshal(r.stdout(), Map.class);
      assertThat(list.get("kind"))
          .isEqualTo(which.equals("realtime") ? "RealtimeReportList" : "SummaryReportList");
      List<Object> nodes =
          ((List<?>) list.get("items"))
              .stream().map(i -> (Object) ((Map<?, ?>) i).get("node")).toList();
      assertThat(nodes).containsExactlyInAnyOrder(NODES.toArray());
      ProcessResult bob = raw("bob", LiveApi.snapshotPath(NS, MONITOR, which));
      assertThat(bob.exitCode()).isNotZero();
      assertThat(bob.stderr())
          .as("bob's role has no %s: the API server refuses", which)
          .contains("forbidden", "trafficmonitors/" + which);
    }
  }

  @Test
  void theApiServersRbacThenTheMonitorsDecide() {
    String path = LiveApi.intervalsPath(NS, MONITOR);
    ProcessResult carol = raw("carol", path);
    assertThat(carol.exitCode()).isNotZero();
    assertThat(carol.stderr())
        .as("the API server refuses the live API's subresource")
        .contains("forbidden", "carol", "trafficmonitors/intervals");

    ProcessResult bob = raw("bob", path);
    assertThat(bob.exitCode()).isNotZero();
    assertThat(bob.stderr())
        .as("the operator refuses whoever may not get the monitor itself")
        .contains("bob may not get trafficmonitors/" + MONITOR + " in namespace " + NS);

    ProcessResult missing = raw("alice", LiveApi.intervalsPath(NS, "nothing"));
    assertThat(missing.exitCode()).isNotZero();
    assertThat(missing.stderr())
        .contains("trafficmonitors nothing in namespace " + NS + " not found");

    ProcessResult discovery = cluster.kubectl("get", "--raw", LiveApi.BASE);
    assertThat(discovery.stdout()).contains("trafficmonitors/intervals");
  }

  @Test
  void theStreamGoesOnOverAnAgentsEndedStreamWithoutLossOrRepeat() throws Exception {
    // alice's stream through the API server, as kubectl would read it (her identity: impersonated
    // by the admin client, which the API server turns into the request headers the operator reads)
    Config config = new ConfigBuilder(cluster.config()).withImpersonateUsername("alice").build();
    try (KubernetesClient alice = new KubernetesClientBuilder().withConfig(config).build()) {
      String url =
          config.getMasterUrl().replaceAll("/$", "")
              + LiveApi.streamPath(NS, MONITOR)
              + "?after=live-a:10,live-b:30";
      Map<String, List<Long>> seen = new HashMap<>();
      BlockingQueue<String> chunks = new LinkedBlockingQueue<>();
      var response =
          alice
              .getHttpClient()
              .consumeBytes(
                  alice.getHttpClient().newHttpRequestBuilder().uri(url).forStreaming().build(),
                  (buffers, body) -> {
                    for (var b : buffers) {
                      chunks.add(StandardCharsets.UTF_8.decode(b).toString());
                    }
                    body.consume();
                  })
              .get(30, TimeUnit.SECONDS);
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.header("Content-Type")).startsWith("text/event-stream");
      response.body().consume();
      // a ends its stream every 5 records: 30 records from 10 need six streams, 5 s with the
      // operator's pause of 1 s between them; b has 10 after 30
      StringBuilder pending = new StringBuilder();
      StringBuilder all = new StringBuilder();
      long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
      try {
        while (System.nanoTime() < deadline
            && (seen.getOrDefault("live-a", List.of()).size() < 30
                || seen.getOrDefault("live-b", List.of()).size() < 10)) {
          String chunk = chunks.poll(1, TimeUnit.SECONDS);
          if (chunk == null) {
            continue;
          }
          all.append(chunk);
          pending.append(chunk);
          for (int nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
            String line = pending.substring(0, nl);
            pending.delete(0, nl + 1);
            if (line.startsWith("data:")) {
              IntervalReport r = Serialization.unmarshal(line.substring(5), IntervalReport.class);
              for (IntervalReport.Interval i : r.records()) {
                seen.computeIfAbsent(r.node(), k -> new ArrayList<>()).add(i.seq());
                assertThat(i.rxBytes()).isEqualTo(record(r.node(), i.seq()).rxBytes());
              }
            }
          }
        }
      } finally {
        response.body().cancel();
      }
      assertThat(seen).as("the stream: %s", all).containsKeys("live-a", "live-b");
      assertThat(seen.get("live-a"))
          .as("a's records after 10, in order, each once")
          .containsExactlyElementsOf(LongStream.rangeClosed(11, 40).boxed().toList());
      assertThat(seen.get("live-b"))
          .containsExactlyElementsOf(LongStream.rangeClosed(31, 40).boxed().toList());
    }
  }

  @Test
  void onlyTheApiServerMayCallTheLiveApi() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (var in = Files.newInputStream(cert.ca())) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    HttpClient http = HttpClient.newBuilder().sslContext(ssl).build();
    // The certificate names the endpoint's address: the server is verified, only the client is not.
    HttpRequest direct =
        HttpRequest.newBuilder(
                URI.create(
                    "https://" + prefix + "3:" + live.port() + LiveApi.intervalsPath(NS, MONITOR)))
            .headers("X-Remote-User", "system:admin", "X-Remote-Group", "system:masters")
            .build();
    Assertions.assertThatThrownBy(() -> http.send(direct, HttpResponse.BodyHandlers.ofString()))
        .as("without the API server's client certificate there is no TLS session")
        .isInstanceOf(IOException.class);
  }
}
