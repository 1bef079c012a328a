package io.trafficmonitor.agent.collect.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HyperLogLogTest {
  /** Adds items {@code from..to-1} of stream {@code seed}, each twice (repeats must not count). */
  private static void addRange(HyperLogLog hll, long seed, long from, long to) {
    for (long i = from; i < to; i++) {
      long h = Hashing.hash64(seed, i);
      hll.add(h);
      hll.add(h);
    }
  }

  private static double relativeError(long estimate, long actual) {
    return Math.abs(estimate - actual) / (double) actual;
  }

  @ParameterizedTest(name = "{0} distinct, seed {1}")
  @CsvSource({
    "10000, 1",
    "10000, 2",
    "100000, 1",
    "100000, 2",
    "100000, 3",
    "100000, 4",
    "100000, 5",
    "1000000, 1"
  })
  void estimatesWithin2Percent(int distinct, long seed) {
    HyperLogLog hll = new HyperLogLog(HyperLogLog.DEFAULT_PRECISION);
    addRange(hll, seed, 0, distinct);
    assertThat(relativeError(hll.estimate(), distinct)).isLessThan(0.02);
  }

  @Test
  void smallCountsAreNearlyExact() {
    HyperLogLog hll = new HyperLogLog(HyperLogLog.DEFAULT_PRECISION);
    assertThat(hll.estimate()).isZero();
    addRange(hll, 9, 0, 1);
    assertThat(hll.estimate()).isEqualTo(1);
    addRange(hll, 9, 1, 100);
    assertThat(hll.estimate()).isEqualTo(100);
    addRange(hll, 9, 100, 1000);
    assertThat(relativeError(hll.estimate(), 1000))
        .isLessThan(0.015); // linear counting: 0.56% s.e.
  }

  @Test
  void errorAcrossTheRangeStaysNearTheStandardError() {
    // Where classic HyperLogLog switches from linear counting (2.5 m to 5 m) the estimator must
    // not bump: mean absolute error over several seeds at each count below 1.5 standard errors.
    int p = 12; // 4096 registers: 1.6% standard error, quick to fill
    double se = 1.04 / Math.sqrt(1 << p);
    for (int n : new int[] {1000, 4000, 8000, 10000, 16000, 20000, 40000}) {
      double sum = 0;
      int seeds = 20;
      for (int seed = 0; seed < seeds; seed++) {
        HyperLogLog hll = new HyperLogLog(p);
        for (long i = 0; i < n; i++) {
          hll.add(Hashing.hash64(1000 + seed, i));
        }
        sum += relativeError(hll.estimate(), n);
      }
      assertThat(sum / seeds).as("mean error at %d", n).isLessThan(1.5 * se);
    }
  }

  @Test
  void mergeEqualsUnion() {
    HyperLogLog a = new HyperLogLog(14);
    HyperLogLog b = new HyperLogLog(14);
    HyperLogLog union = new HyperLogLog(14);
    addRange(a, 5, 0, 60_000);
    addRange(b, 5, 40_000, 100_000); // 20,000 in both
    addRange(union, 5, 0, 100_000);
    a.merge(b);
    assertThat(a.sameState(union)).isTrue();
    assertThat(a.estimate()).isEqualTo(union.estimate());
    assertThat(relativeError(a.estimate(), 100_000)).isLessThan(0.02);
  }

  @Test
  void clearForgetsEverything() {
    HyperLogLog hll = new HyperLogLog(10);
    addRange(hll, 1, 0, 5000);
    hll.clear();
    assertThat(hll.estimate()).isZero();
  }

  @Test
  void memoryIsTheRegistersWhateverTheCount() {
    HyperLogLog hll = new HyperLogLog(14);
    long before = hll.memoryBytes();
    addRange(hll, 1, 0, 100_000);
    assertThat(hll.memoryBytes()).isEqualTo(before).isBetween(16_384L, 16_500L);
  }

  @Test
  void rejectsBadPrecisionAndMismatchedMerge() {
    assertThatThrownBy(() -> new HyperLogLog(3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HyperLogLog(19)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HyperLogLog(12).merge(new HyperLogLog(14)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
