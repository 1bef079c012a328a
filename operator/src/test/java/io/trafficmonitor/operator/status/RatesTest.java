package io.trafficmonitor.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RatesTest {
  @Test
  void formatsForPeople() {
    assertThat(Rates.format(0)).isEqualTo("0 bit/s");
    assertThat(Rates.format(999)).isEqualTo("999 bit/s");
    assertThat(Rates.format(1500)).isEqualTo("1.5 kbit/s");
    assertThat(Rates.format(12_340_000)).isEqualTo("12 Mbit/s");
    assertThat(Rates.format(2_000_000_000L)).isEqualTo("2 Gbit/s");
  }
}
