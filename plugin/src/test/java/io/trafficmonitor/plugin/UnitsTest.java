package io.trafficmonitor.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnitsTest {

  @Test
  void ratesHaveThreeSignificantDigitsAndAnSiPrefix() {
    assertThat(Units.bits(0)).isEqualTo("0 bit/s");
    assertThat(Units.bits(812)).isEqualTo("812 bit/s");
    assertThat(Units.bits(1_500_000)).isEqualTo("1.50 Mbit/s");
    assertThat(Units.bits(12_340_000)).isEqualTo("12.3 Mbit/s");
    assertThat(Units.bits(999_600)).isEqualTo("1.00 Mbit/s");
    assertThat(Units.bits(2.5e9)).isEqualTo("2.50 Gbit/s");
    assertThat(Units.si(0.5)).isEqualTo("0.50 ");
  }

  @Test
  void ratesOfBytesOverNanoseconds() {
    assertThat(Units.bitsPerSecond(12_500, 10_000_000)).isEqualTo(10_000_000);
    assertThat(Units.perSecond(5, 10_000_000)).isEqualTo(500);
    assertThat(Units.bitsPerSecond(1, 0)).isZero();
  }

  @Test
  void durationsAsTheSpecWritesThem() {
    assertThat(Units.duration(10_000_000)).isEqualTo("10ms");
    assertThat(Units.duration(10_250_000)).isEqualTo("10.25ms");
    assertThat(Units.duration(1_500_000_000)).isEqualTo("1.5s");
    assertThat(Units.duration(90_000_000_000L)).isEqualTo("1m30s");
    assertThat(Units.duration(3_600_000_000_000L)).isEqualTo("1h0m0s");
    assertThat(Units.duration(500)).isEqualTo("500ns");
  }

  @Test
  void endsInUtcToTheMillisecond() {
    assertThat(Units.end("2026-11-30T12:00:00.123456789Z")).isEqualTo("2026-11-30T12:00:00.123Z");
    assertThat(Units.end("2026-11-30T13:00:00.5+01:00")).isEqualTo("2026-11-30T12:00:00.500Z");
    assertThat(Units.end("soon")).isEqualTo("soon");
  }
}
