package io.trafficmonitor.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RateWindowTest {
  static final long MS = 1_000_000L;

  @Test
  void publishesOnlyWhenTheWindowIsFull() {
    RateWindow r = new RateWindow(1000 * MS);
    r.start(0);
    for (int i = 1; i <= 99; i++) {
      r.add(i * 10 * MS, 1250, 1); // 10 ms collections, 1250 bytes each
    }
    assertThat(r.bitsPerSecond()).isZero();
    r.add(1000 * MS, 1250, 1);
    // 100 x 1250 bytes in 1 s = 1 Mbit/s, 100 packets/s
    assertThat(r.bitsPerSecond()).isCloseTo(1_000_000, within(1e-6));
    assertThat(r.packetsPerSecond()).isCloseTo(100, within(1e-9));
    r.add(2000 * MS, 0, 0);
    assertThat(r.bitsPerSecond()).isZero();
  }

  @Test
  void longIntervalsPublishEveryTime() {
    RateWindow r = new RateWindow(1000 * MS);
    r.start(0);
    r.add(5000 * MS, 5_000_000, 5000);
    assertThat(r.bitsPerSecond()).isCloseTo(8_000_000, within(1e-6));
    assertThat(r.packetsPerSecond()).isCloseTo(1000, within(1e-9));
  }

  @Test
  void perSecondOfAnEmptyIntervalIsZero() {
    assertThat(RateWindow.perSecond(100, 0)).isZero();
    assertThat(RateWindow.perSecond(100, 500 * MS)).isEqualTo(200);
  }
}
