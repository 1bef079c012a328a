package io.trafficmonitor.operator.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.access.AgentTrust;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.testing.ServingCert;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's trust in an agent's HTTPS, called at its address: the chain must lead to the
 * chart's CA and the certificate must name the agent metrics Service, whatever the address.
 */
class AgentTrustTest {
  static final String SERVICE = "tm-agent-metrics.trafficmonitor.svc";
  static Vertx vertx;
  static HttpServer agent;
  static ServingCert cert;
  static ServingCert other;
  static final AgentReport REPORT = report();

  static AgentReport report() {
    NodeStatus entry = new NodeStatus();
    entry.setRxBytes(1234L);
    return new AgentReport("node-a", List.of(new AgentReport.Entry("ns", "tm", "uid-1", entry)));
  }

  @BeforeAll
  static void serve(@TempDir Path dir) throws Exception {
    // the Service's name only, as the chart's certificate: no address
    cert =
        ServingCert.generate(
            Files.createDirectory(dir.resolve("a")), SERVICE, List.of(SERVICE), List.of());
    other =
        ServingCert.generate(
            Files.createDirectory(dir.resolve("b")), SERVICE, List.of(SERVICE), List.of());
    vertx = Vertx.vertx();
    agent =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setSsl(true)
                    .setKeyCertOptions(
                        new PemKeyCertOptions()
                            .setCertPath(cert.cert().toString())
                            .setKeyPath(cert.key().toString())))
            .requestHandler(
                r ->
                    r.response()
                        .end(
                            r.path().equals(AgentReport.PATH)
                                ? Serialization.asJson(REPORT)
                                : "ok"))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String get(SSLContext tls) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(tls).build();
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + agent.actualPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void theServiceNameSignedByTheCaIsTrustedAtAnyAddress() throws Exception {
    assertThat(get(AgentTrust.context(cert.ca(), SERVICE))).isEqualTo("ok");
  }

  @Test
  void thePullerPullsOverHttps() {
    try (AgentPuller puller =
        new AgentPuller(agent.actualPort(), () -> null, AgentTrust.context(cert.ca(), SERVICE))) {
      List<List<NodeStatus>> seen = new CopyOnWriteArrayList<>();
      puller.want("uid-1", Duration.ofMillis(500), () -> seen.add(puller.entries("uid-1")));
      puller.start(() -> Map.of("node-a", "127.0.0.1"));
      // the first status may be due before the first pull has answered
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> seen.stream().anyMatch(e -> !e.isEmpty()));
      assertThat(seen.stream().filter(e -> !e.isEmpty()).findFirst().orElseThrow())
          .singleElement()
          .satisfies(n -> assertThat(n.getRxBytes()).isEqualTo(1234L));
    }
  }

  @Test
  void anotherNameIsNot() {
    assertThatThrownBy(() -> get(AgentTrust.context(cert.ca(), "other.trafficmonitor.svc")))
        .isInstanceOf(IOException.class);
  }

  /**
   * A CA renewed in the mounted Secret is trusted at the next handshake its certificates fail, with
   * no restart; a CA withdrawn from it stops being trusted once the file is looked at again.
   */
  @Test
  void aRenewedCaIsTrustedWithoutARestart(@TempDir Path dir) throws Exception {
    Path mounted = Files.copy(other.ca(), dir.resolve("ca.crt"));
    SSLContext tls = AgentTrust.context(mounted, SERVICE);
    assertThatThrownBy(() -> get(tls)).isInstanceOf(IOException.class);
    Files.copy(cert.ca(), mounted, StandardCopyOption.REPLACE_EXISTING);
    assertThat(get(tls)).isEqualTo("ok");

    SSLContext rechecking = AgentTrust.context(mounted, SERVICE, Duration.ZERO);
    assertThat(get(rechecking)).isEqualTo("ok");
    Files.copy(other.ca(), mounted, StandardCopyOption.REPLACE_EXISTING);
    Thread.sleep(1100); // the TLS session resumed until then
    assertThatThrownBy(() -> get(rechecking)).isInstanceOf(IOException.class);
    Files.writeString(mounted, "half a file");
    assertThatThrownBy(() -> get(rechecking))
        .as("an unreadable file leaves the CA read before")
        .isInstanceOf(IOException.class);
  }

  @Test
  void anotherCaIsNot() {
    assertThatThrownBy(() -> get(AgentTrust.context(other.ca(), SERVICE)))
        .isInstanceOf(IOException.class);
  }
}
