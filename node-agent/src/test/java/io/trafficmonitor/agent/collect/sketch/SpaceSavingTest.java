package io.trafficmonitor.agent.collect.sketch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpaceSavingTest {

  @Test
  void exactWhileAtMostKKeys() {
    SpaceSaving s = new SpaceSaving(8);
    for (int i = 0; i < 8; i++) {
      s.add(i, -i, i + 1);
      s.add(i, -i, 10);
    }
    for (int i = 0; i < 8; i++) {
      assertThat(s.estimate(i, -i)).isEqualTo(i + 11);
    }
    assertThat(s.minCount()).isEqualTo(11);
    assertThat(s.total()).isEqualTo(8 * 10 + 36);
  }

  /** Against a HashMap of true sums: every bound of the class comment, under heavy eviction. */
  @Test
  void boundsHoldOnASkewedStream() {
    SplittableRandom rnd = new SplittableRandom(4);
    SpaceSaving s = new SpaceSaving(64);
    Map<Long, Long> truth = new HashMap<>();
    for (int i = 0; i < 200_000; i++) {
      long key = (long) Math.floor(Math.pow(rnd.nextDouble(), 3) * 5_000); // skewed to small keys
      long c = 1 + rnd.nextInt(1_000);
      s.add(key >>> 3, key, c);
      truth.merge(key, c, Long::sum);
    }
    long n = s.total();
    for (int i = 0; i < s.size(); i++) {
      long t = truth.get(s.lo(i));
      assertThat(s.count(i)).isGreaterThanOrEqualTo(t);
      assertThat(s.count(i) - s.error(i)).isLessThanOrEqualTo(t);
      assertThat(s.error(i)).isLessThanOrEqualTo(n / 64);
    }
    truth.forEach(
        (k, t) -> {
          if (t > n / 64) {
            assertThat(s.estimate(k >>> 3, k)).as("heavy key %d counted", k).isGreaterThan(0);
          }
          assertThat(s.estimate(k >>> 3, k)).isGreaterThanOrEqualTo(Math.min(t, s.minCount()));
        });
    // every counted key can be found again: the hash table survived the evictions
    for (int i = 0; i < s.size(); i++) {
      assertThat(s.estimate(s.hi(i), s.lo(i))).isEqualTo(s.count(i));
    }
  }
}
