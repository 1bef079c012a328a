package io.trafficmonitor.operator.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
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
            .requestHandler(r -> r.response().end("ok"))
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
  void anotherNameIsNot() {
    assertThatThrownBy(() -> get(AgentTrust.context(cert.ca(), "other.trafficmonitor.svc")))
        .isInstanceOf(IOException.class);
  }

  @Test
  void anotherCaIsNot() {
    assertThatThrownBy(() -> get(AgentTrust.context(other.ca(), SERVICE)))
        .isInstanceOf(IOException.class);
  }
}
