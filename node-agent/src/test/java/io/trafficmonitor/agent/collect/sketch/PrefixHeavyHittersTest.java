package io.trafficmonitor.agent.collect.sketch;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.v1alpha1.IpPrefix;
import io.trafficmonitor.api.v1alpha1.PrefixSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PrefixHeavyHittersTest {
  static final int K = PrefixSettings.COUNTERS;
  static final double PHI = PrefixSettings.DEFAULT_THRESHOLD;

  static PrefixHeavyHitters fresh() {
    return new PrefixHeavyHitters(K, PrefixSettings.IPV4_LENGTHS, PrefixSettings.IPV6_LENGTHS);
  }

  /**
   * 100,000 addresses (both families), 8 heavy prefixes planted at /8 to /128 among Zipf(0.8)
   * background addresses, fed as 4 collections of deltas: the summary's conditioned heavy hitters
   * at 5% against the exact ones, by brute force over every prefix.
   */
  @Test
  void plantedPrefixesAreFoundWithTheirShares() {
    PlantedPrefixes t = PlantedPrefixes.generate(100_000, 10_000_000_000L, 15);
    Map<IpPrefix, Long> exact = t.exact(PHI);
    assertThat(PlantedPrefixes.names(exact.keySet()))
        .as("the generator plants what it says")
        .containsExactlyInAnyOrderElementsOf(PlantedPrefixes.PLANTED.keySet());

    PrefixHeavyHitters hhh = fresh();
    t.feed(hhh, 4, 7);
    assertThat(hhh.total()).isEqualTo(t.total);
    List<PrefixHeavyHitters.Heavy> heavy = hhh.heavy(hhh.total(), PHI, 128);
    Set<IpPrefix> reported =
        heavy.stream().map(PrefixHeavyHitters.Heavy::prefix).collect(Collectors.toSet());
    double[] pr = PlantedPrefixes.precisionRecall(reported, exact.keySet());
    System.out.printf("precision %.3f recall %.3f%n", pr[0], pr[1]);
    assertThat(pr[0]).as("precision").isGreaterThanOrEqualTo(0.95);
    assertThat(pr[1]).as("recall").isGreaterThanOrEqualTo(0.95);

    double worst = 0;
    for (PrefixHeavyHitters.Heavy h : heavy) {
      Long truth = exact.get(h.prefix());
      if (truth != null) {
        double err = Math.abs(h.bytes() - truth) / (double) t.total;
        worst = Math.max(worst, err);
        // bytes: its count (over by at most N / k) less those of its listed children (each over
        // by at most N / k): within (1 + children) N / k
        long children = heavy.stream().filter(c -> isChild(h.prefix(), c.prefix(), heavy)).count();
        assertThat(err).as(h.prefix().toString()).isLessThanOrEqualTo((1.0 + children) / K);
        assertThat(h.totalBytes()).isGreaterThanOrEqualTo(truth);
      }
    }
    System.out.printf("largest share error %.2e of N (bound 1/k = %.2e)%n", worst, 1.0 / K);
  }

  /** c is a closest listed descendant of p. */
  private static boolean isChild(IpPrefix p, IpPrefix c, List<PrefixHeavyHitters.Heavy> all) {
    if (c.equals(p) || !p.contains(c)) {
      return false;
    }
    return all.stream()
        .map(PrefixHeavyHitters.Heavy::prefix)
        .noneMatch(m -> !m.equals(p) && !m.equals(c) && p.contains(m) && m.contains(c));
  }

  @Test
  void aPrefixSpreadOverManySmallAddressesIsListedAndItsHeavyPartsAreTakenOut() {
    PrefixHeavyHitters hhh = fresh();
    hhh.add(false, 0, 0x0a01_0203L, 300); // 10.1.2.3: 30%
    for (int i = 0; i < 100; i++) {
      hhh.add(false, 0, 0x0a01_0500L + i, 2); // 10.1.5.0/24: 20%, 0.2% each
    }
    for (int i = 0; i < 250; i++) {
      hhh.add(false, 0, 0x0b00_0000L + ((long) i << 16), 2); // 11.0.0.0/8 over /16s: 50%
    }
    Map<String, long[]> got = new HashMap<>();
    for (PrefixHeavyHitters.Heavy h : hhh.heavy(hhh.total(), 0.1, 10)) {
      got.put(h.prefix().toString(), new long[] {h.bytes(), h.totalBytes()});
    }
    assertThat(got).containsOnlyKeys("10.1.2.3/32", "10.1.5.0/24", "11.0.0.0/8");
    assertThat(got.get("10.1.5.0/24")).containsExactly(200, 200);
    assertThat(got.get("11.0.0.0/8")).containsExactly(500, 500);
    // 10.1.0.0/16 and 10.0.0.0/8 carry nothing beyond the two listed inside them
  }

  @Test
  void ipv6PrefixesAreSpeltAsTheStatusDoes() {
    PrefixHeavyHitters hhh = fresh();
    IpPrefix a = IpPrefix.parse("2001:db8::1/128");
    hhh.add(true, a.hi(), a.lo(), 100);
    assertThat(hhh.heavy(100, 0.5, 10))
        .extracting(h -> h.prefix().toString())
        .containsExactly("2001:db8::1/128");
  }

  @Test
  void countersSurviveAWriteAndRead() throws Exception {
    PlantedPrefixes t = PlantedPrefixes.generate(20_000, 1_000_000_000L, 3);
    PrefixHeavyHitters before = fresh();
    t.feed(before, 2, 1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    before.write(new DataOutputStream(bytes));
    PrefixHeavyHitters after = fresh();
    after.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(after.total()).isEqualTo(before.total());
    assertThat(after.heavy(after.total(), PHI, 128))
        .isEqualTo(before.heavy(before.total(), PHI, 128));
    assertThat(after.memoryBytes()).isEqualTo(before.memoryBytes());
  }

  @Test
  void memoryIsBoundedAndAllocatedPerFamily() {
    PrefixHeavyHitters hhh = fresh();
    long empty = hhh.memoryBytes();
    hhh.add(false, 0, 0x0a00_0001L, 1);
    long v4 = hhh.memoryBytes();
    hhh.add(true, 1, 1, 1);
    long both = hhh.memoryBytes();
    assertThat(empty).isLessThan(200);
    assertThat(v4).isBetween(4 * 6_144L, 4 * 6_400L);
    assertThat(both).isEqualTo(PrefixHeavyHitters.maxMemoryBytes(K, 9));
    assertThat(both).isBetween(9 * 6_144L, 9 * 6_400L);
  }
}
