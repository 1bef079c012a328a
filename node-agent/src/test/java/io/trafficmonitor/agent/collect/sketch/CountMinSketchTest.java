package io.trafficmonitor.agent.collect.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CountMinSketchTest {
  @Test
  void sizesForTheErrorAskedFor() {
    CountMinSketch cms = CountMinSketch.forError(0.001, 0.01);
    assertThat(cms.width()).isEqualTo(4096); // e / 0.001 = 2719, rounded up to a power of two
    assertThat(cms.depth()).isEqualTo(5); // ln(100) = 4.6
    assertThat(cms.epsilon()).isLessThanOrEqualTo(0.001);
    assertThat(cms.delta()).isLessThanOrEqualTo(0.01);
    assertThat(cms.memoryBytes()).isBetween(8L * 4096 * 5, 8L * 4096 * 5 + 512);
  }

  /**
   * 100,000 keys with Zipf(1.1) sums, each added in 4 steps in shuffled order. No estimate may fall
   * below its key's sum, and at most a fraction delta of them may exceed it by more than eps * N
   * (the narrow sketch is the one where collisions make that bound matter).
   */
  @ParameterizedTest(name = "epsilon {0}, delta {1}")
  @CsvSource({"0.001, 0.01", "0.01, 0.01", "0.05, 0.05"})
  void neverUnderestimatesAndStaysWithinEpsilonN(double epsilon, double delta) {
    Flows flows = Flows.zipf(100_000, 10_000, 1.1, 1e9, 42);
    CountMinSketch cms = CountMinSketch.forError(epsilon, delta);
    int rounds = 4;
    int[] order = Flows.permutation(flows.n, new SplittableRandom(1));
    long n = 0;
    for (int r = 0; r < rounds; r++) {
      for (int i : order) {
        long d = flows.delta(i, r, rounds);
        cms.add(flows.flowHash(i), d);
        n += d;
      }
    }
    assertThat(cms.total()).isEqualTo(n);
    double bound = cms.epsilon() * n;
    int beyond = 0;
    for (int i = 0; i < flows.n; i++) {
      long over = cms.estimate(flows.flowHash(i)) - flows.bytes[i];
      assertThat(over).isNotNegative();
      if (over > bound) {
        beyond++;
      }
    }
    assertThat((double) beyond / flows.n).isLessThanOrEqualTo(cms.delta());
  }

  @Test
  void addReturnsTheNewEstimate() {
    CountMinSketch cms = new CountMinSketch(1024, 4);
    long h = Hashing.hash64(7L);
    assertThat(cms.estimate(h)).isZero();
    assertThat(cms.add(h, 100)).isEqualTo(100);
    assertThat(cms.add(h, 50)).isEqualTo(150).isEqualTo(cms.estimate(h));
    assertThat(cms.add(h, 0)).isEqualTo(150);
    cms.clear();
    assertThat(cms.estimate(h)).isZero();
    assertThat(cms.total()).isZero();
  }

  @Test
  void moreRowsOverestimateFarLess() {
    Flows flows = Flows.zipf(20_000, 1000, 1.1, 1e8, 3);
    CountMinSketch one = new CountMinSketch(512, 1);
    CountMinSketch five = new CountMinSketch(512, 5);
    for (int i = 0; i < flows.n; i++) {
      one.add(flows.flowHash(i), flows.bytes[i]);
      five.add(flows.flowHash(i), flows.bytes[i]);
    }
    long overOne = 0;
    long overFive = 0;
    for (int i = 0; i < flows.n; i++) {
      overOne += one.estimate(flows.flowHash(i)) - flows.bytes[i];
      overFive += five.estimate(flows.flowHash(i)) - flows.bytes[i];
    }
    assertThat(overFive).isLessThan(overOne / 4);
  }

  @Test
  void rejectsBadShapesAndNegativeCounts() {
    assertThatThrownBy(() -> new CountMinSketch(1000, 4))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CountMinSketch(1024, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CountMinSketch.forError(0, 0.01))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CountMinSketch(1024, 4).add(1, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
