package io.trafficmonitor.operator.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trafficmonitor.access.MonitorAccess;
import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.testing.ServingCert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who the API server says is calling, and only when the API server is the one calling. */
class FrontProxyTest {
  private static final Map<String, String> PUBLISHED =
      Map.of(
          "requestheader-client-ca-file", "-----BEGIN CERTIFICATE-----\n...",
          "requestheader-allowed-names", "[\"front-proxy-client\"]",
          "requestheader-username-headers", "[\"X-Remote-User\"]",
          "requestheader-group-headers", "[\"X-Remote-Group\"]",
          "requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]");

  private static List<Certificate> cert(Path dir, String cn) throws Exception {
    ServingCert c = ServingCert.generate(dir, cn, List.of(cn), List.of());
    try (var in = Files.newInputStream(c.cert())) {
      return List.of(CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
  }

  @Test
  void readsWhatTheApiServerPublishes() {
    FrontProxy p = FrontProxy.from(PUBLISHED);
    assertThat(p.allowedNames()).containsExactly("front-proxy-client");
    assertThat(p.usernameHeaders()).containsExactly("X-Remote-User");
    assertThat(FrontProxy.from(Map.of("client-ca-file", "x")))
        .as("no request-header CA: no aggregation layer")
        .isNull();
  }

  @Test
  void theCallerIsNamedByHeadersOfTheApiServersCertificate(@TempDir Path dir) throws Exception {
    FrontProxy p = FrontProxy.from(PUBLISHED);
    Map<String, List<String>> headers =
        Map.of(
            "x-remote-user", List.of("alice"),
            "x-remote-group", List.of("team-a", "system:authenticated"),
            "x-remote-extra-scopes%2fread", List.of("yes"));
    MonitorAccess.Caller c =
        p.caller(
            cert(dir, "front-proxy-client"),
            h -> headers.get(h.toLowerCase(Locale.ROOT)),
            List.copyOf(headers.keySet()));
    assertThat(c.username()).isEqualTo("alice");
    assertThat(c.groups()).containsExactly("team-a", "system:authenticated");
    assertThat(c.extra()).containsEntry("scopes/read", List.of("yes"));
  }

  @Test
  void anotherCertificateOrNoUserIsRefused(@TempDir Path dir) throws Exception {
    FrontProxy p = FrontProxy.from(PUBLISHED);
    assertThatThrownBy(
            () -> p.caller(cert(dir.resolve("a"), "mallory"), h -> List.of("alice"), List.of()))
        .isInstanceOf(FrontProxy.NotAuthenticated.class)
        .hasMessageContaining("mallory is not one of [front-proxy-client]");
    assertThatThrownBy(() -> p.caller(List.of(), h -> List.of("alice"), List.of()))
        .hasMessageContaining("only the API server may call");
    assertThatThrownBy(
            () -> p.caller(cert(dir.resolve("b"), "front-proxy-client"), h -> null, List.of()))
        .hasMessageContaining("names no user");
  }

  @Test
  void aCursorGoesOnFromTheNewestRecordSent() {
    IntervalReport none = new IntervalReport("a", "ns", "m", 10, 1, 7, false, List.of());
    assertThat(LiveApiServer.newest(none)).isEqualTo(7);
    IntervalReport two =
        new IntervalReport(
            "a",
            "ns",
            "m",
            10,
            1,
            9,
            false,
            List.of(
                new IntervalReport.Interval(4, "t", 10, 0, 0, 0, 0, List.of(), List.of()),
                new IntervalReport.Interval(5, "t", 10, 0, 0, 0, 0, List.of(), List.of())));
    assertThat(LiveApiServer.newest(two)).as("the newest record brought, not kept").isEqualTo(5);
  }
}
