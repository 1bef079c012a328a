package io.trafficmonitor.agent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.agent.AgentEnvironment;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the DaemonSet's certificate variables become in Quarkus' configuration. */
class AgentTlsTest {
  @Test
  void aCertificateAndItsKeyMakeTheMetricsPortHttpsOnly() {
    AgentTls tls =
        new AgentTls(
            Map.of(
                AgentEnvironment.TLS_CERT_FILE, "/etc/tls/tls.crt",
                AgentEnvironment.TLS_KEY_FILE, "/etc/tls/tls.key"));
    assertThat(tls.getProperties())
        .containsEntry("quarkus.http.ssl.certificate.files", "/etc/tls/tls.crt")
        .containsEntry("quarkus.http.ssl.certificate.key-files", "/etc/tls/tls.key")
        .containsEntry("quarkus.http.ssl-port", "${quarkus.http.port}")
        .containsEntry("quarkus.http.insecure-requests", "disabled")
        .containsKey("quarkus.http.ssl.certificate.reload-period");
  }

  @Test
  void withoutBothTheAgentServesPlainHttp() {
    assertThat(new AgentTls(Map.of()).getProperties()).isEmpty();
    assertThat(
            new AgentTls(Map.of(AgentEnvironment.TLS_CERT_FILE, "/etc/tls/tls.crt"))
                .getProperties())
        .isEmpty();
  }
}
