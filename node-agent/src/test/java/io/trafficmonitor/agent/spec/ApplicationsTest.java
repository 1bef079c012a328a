package io.trafficmonitor.agent.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApplicationsTest {
  @Test
  void wellKnownPortsByServerSide() {
    Applications a = Applications.DEFAULTS;
    assertThat(a.name(6, 51000, 443)).isEqualTo("HTTPS");
    assertThat(a.name(6, 80, 51000)).isEqualTo("HTTP"); // the reply
    assertThat(a.name(17, 40000, 53)).isEqualTo("DNS");
    assertThat(a.name(17, 40000, 443)).isEmpty(); // HTTPS is TCP only
    assertThat(a.name(6, 40000, 41000)).isEmpty();
  }

  @Test
  void theSpecExtendsAndOverrides() {
    Applications a =
        new Applications(
            List.of(
                new Applications.Entry("api", 8080, 6),
                new Applications.Entry("quic", 443, 17),
                new Applications.Entry("web", 80, 0)));
    assertThat(a.name(6, 50000, 8080)).isEqualTo("api");
    assertThat(a.name(17, 50000, 8080)).isEmpty();
    assertThat(a.name(17, 50000, 443)).isEqualTo("quic");
    assertThat(a.name(6, 50000, 443)).isEqualTo("HTTPS");
    assertThat(a.name(6, 50000, 80)).isEqualTo("web");
    assertThat(a.name(17, 50000, 80)).isEqualTo("web");
  }
}
