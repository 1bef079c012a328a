package io.trafficmonitor.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {

  @Test
  void readsGoDurations() {
    assertThat(GoDuration.parse("10ms")).isEqualTo(Duration.ofMillis(10));
    assertThat(GoDuration.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
  }

  @Test
  void refusesWhatIsNotADuration() {
    assertThatThrownBy(() -> GoDuration.parse("1 second"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GoDuration.parse("10")).isInstanceOf(IllegalArgumentException.class);
    assertThat(GoDuration.parseOr("soon", Duration.ofSeconds(10)))
        .isEqualTo(Duration.ofSeconds(10));
  }
}
