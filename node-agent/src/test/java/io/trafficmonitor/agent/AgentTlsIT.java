package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trafficmonitor.testing.ServingCert;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packaged agent given a serving certificate (the DaemonSet's TM_TLS_CERT_FILE and
 * TM_TLS_KEY_FILE) serves HTTPS only on its port: a client that trusts the test CA gets /metrics
 * with a scraper's token, a plain HTTP request gets no answer.
 */
class AgentTlsIT {
  @RegisterExtension
  static final AgentOnTestNode site = new AgentOnTestNode("tm-tls-", "tmtls").packaged();

  static AgentProcess agent;

  @BeforeAll
  static void setUp() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target"), "agent-tls-");
    ServingCert cert =
        ServingCert.generate(
            dir, "agent-metrics.test.svc", List.of("agent-metrics.test.svc"), List.of("127.0.0.1"));
    agent =
        site.closing(
            new AgentProcess(
                site.agentEnv(),
                Path.of("target", "agent-" + site.nodeName() + ".log"),
                null,
                UnaryOperator.identity(),
                cert));
    Wait.until("agent ready over HTTPS", Duration.ofSeconds(60), agent::ready);
  }

  @Test
  void metricsOverHttpsWithAToken() throws Exception {
    assertThat(agent.send("/metrics", null).statusCode()).isEqualTo(401);
    // 503 until the first collection
    Wait.until(
        "/metrics over HTTPS",
        Duration.ofSeconds(30),
        () -> {
          try {
            return agent.send("/metrics", site.scrapeToken()).statusCode() == 200;
          } catch (Exception notYet) {
            return false;
          }
        });
    assertThat(agent.get("/metrics", site.scrapeToken())).contains("# TYPE");
  }

  @Test
  void plainHttpIsRefused() {
    HttpRequest plain =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port + "/q/health/ready"))
            .timeout(Duration.ofSeconds(5))
            .build();
    assertThatThrownBy(
            () -> HttpClient.newHttpClient().send(plain, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }
}
