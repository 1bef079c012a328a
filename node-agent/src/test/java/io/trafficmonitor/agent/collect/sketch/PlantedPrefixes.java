package io.trafficmonitor.agent.collect.sketch;

import io.trafficmonitor.api.v1alpha1.IpPrefix;
import io.trafficmonitor.api.v1alpha1.PrefixSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Traffic for the prefix tests and bench: addresses (IPv4 and IPv6) with byte totals, eight heavy
 * prefixes planted at every level among background addresses, streamed as the agent sees it (each
 * address's bytes split into deltas over a few collections, in a shuffled order), and the exact
 * conditioned heavy hitters computed by brute force over every prefix.
 */
final class PlantedPrefixes {
  /** The planted prefixes and their shares of all bytes (with no heavy prefix inside). */
  static final Map<String, Double> PLANTED =
      Map.of(
          "10.1.2.3/32", 0.12,
          "10.1.2.0/24", 0.08,
          "172.16.0.0/16", 0.07,
          "100.0.0.0/8", 0.06,
          "192.168.7.0/24", 0.09,
          "2001:db8:1::/48", 0.09,
          "fd00::1/128", 0.06,
          "2600::/16", 0.06);

  final int n;
  final boolean[] v6;
  final long[] hi;
  final long[] lo;
  final long[] bytes;
  long total;

  private PlantedPrefixes(int n) {
    this.n = n;
    v6 = new boolean[n];
    hi = new long[n];
    lo = new long[n];
    bytes = new long[n];
  }

  /**
   * {@code addresses} addresses carrying {@code total} bytes: 63% in the planted prefixes (each
   * spread over up to 5,000 addresses inside it, none heavy by itself but the /32 and /128), 30% on
   * random IPv4 addresses and 7% on random IPv6 addresses, with Zipf(0.8) sizes (the largest about
   * 0.7% of all bytes).
   */
  static PlantedPrefixes generate(int addresses, long total, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    PlantedPrefixes t = new PlantedPrefixes(addresses);
    int i = 0;
    int[] spread = {1, 200, 2000, 5000, 100, 3000, 1, 3000};
    String[] order = {
      "10.1.2.3/32",
      "10.1.2.0/24",
      "172.16.0.0/16",
      "100.0.0.0/8",
      "192.168.7.0/24",
      "2001:db8:1::/48",
      "fd00::1/128",
      "2600::/16"
    };
    for (int p = 0; p < order.length; p++) {
      IpPrefix prefix = IpPrefix.parse(order[p]);
      long share = Math.round(PLANTED.get(order[p]) * total);
      for (int j = 0; j < spread[p]; j++, i++) {
        long h = rnd.nextLong();
        long l = rnd.nextLong();
        if (order[p].equals("10.1.2.0/24")) {
          l = 4 + rnd.nextInt(252); // not .3, the planted /32
        }
        // host bits random, network bits the prefix's
        int len = prefix.length();
        if (prefix.v6()) {
          h = prefix.hi() | (h & ~IpPrefix.mask(len));
          l = prefix.lo() | (l & ~IpPrefix.mask(len - 64));
        } else {
          h = 0;
          l = prefix.lo() | (l & 0xffff_ffffL & (0xffff_ffffL >>> len));
        }
        t.set(i, prefix.v6(), h, l, share / spread[p] + (j < share % spread[p] ? 1 : 0));
      }
    }
    int background = addresses - i;
    int v6Count = background / 10;
    double[] weights = new double[background];
    double sum4 = 0;
    double sum6 = 0;
    int[] rank = permutation(background, rnd);
    for (int j = 0; j < background; j++) {
      weights[j] = 1 / Math.pow(rank[j] + 1, 0.8);
      if (j < v6Count) {
        sum6 += weights[j];
      } else {
        sum4 += weights[j];
      }
    }
    for (int j = 0; j < background; j++, i++) {
      boolean ipv6 = j < v6Count;
      long share = Math.round((ipv6 ? 0.07 / sum6 : 0.30 / sum4) * weights[j] * total);
      if (ipv6) {
        t.set(i, true, rnd.nextLong(), rnd.nextLong(), Math.max(1, share));
      } else {
        t.set(i, false, 0, rnd.nextLong() & 0xffff_ffffL, Math.max(1, share));
      }
    }
    return t;
  }

  private void set(int i, boolean ipv6, long h, long l, long b) {
    v6[i] = ipv6;
    hi[i] = h;
    lo[i] = l;
    bytes[i] = b;
    total += b;
  }

  /** Feeds every address's bytes as {@code rounds} deltas, each round in a shuffled order. */
  void feed(PrefixHeavyHitters hhh, int rounds, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    long[] left = bytes.clone();
    for (int r = 0; r < rounds; r++) {
      for (int i : permutation(n, rnd)) {
        long d = r == rounds - 1 ? left[i] : (long) (left[i] * rnd.nextDouble() / 2);
        if (d > 0) {
          hhh.add(v6[i], hi[i], lo[i], d);
          left[i] -= d;
        }
      }
    }
  }

  /** The exact conditioned heavy hitters at {@code fraction}: prefix to its conditioned bytes. */
  Map<IpPrefix, Long> exact(double fraction) {
    long threshold = Math.max(1, (long) Math.ceil(fraction * total));
    Map<IpPrefix, Long> out = new HashMap<>();
    for (boolean family : new boolean[] {false, true}) {
      int[] lengths = family ? PrefixSettings.IPV6_LENGTHS : PrefixSettings.IPV4_LENGTHS;
      Map<IpPrefix, Long> counts = new HashMap<>(); // every prefix's true bytes
      for (int i = 0; i < n; i++) {
        if (v6[i] == family) {
          for (int len : lengths) {
            counts.merge(IpPrefix.of(family, hi[i], lo[i], len), bytes[i], Long::sum);
          }
        }
      }
      Map<IpPrefix, Long> pending = new HashMap<>(); // listed, with no listed ancestor yet
      for (int level = lengths.length - 1; level >= 0; level--) {
        int len = lengths[level];
        Map<IpPrefix, Long> inside = new HashMap<>();
        pending.forEach((p, c) -> inside.merge(p.truncate(len), counts.get(p), Long::sum));
        Set<IpPrefix> listed = new HashSet<>();
        for (Map.Entry<IpPrefix, Long> e : counts.entrySet()) {
          if (e.getKey().length() == len) {
            long conditioned = e.getValue() - inside.getOrDefault(e.getKey(), 0L);
            if (conditioned >= threshold) {
              listed.add(e.getKey());
              out.put(e.getKey(), conditioned);
            }
          }
        }
        pending.keySet().removeIf(p -> listed.contains(p.truncate(len)));
        listed.forEach(p -> pending.put(p, 0L));
      }
    }
    return out;
  }

  static int[] permutation(int n, SplittableRandom rnd) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int x = p[i];
      p[i] = p[j];
      p[j] = x;
    }
    return p;
  }

  /** Precision and recall of {@code reported} against {@code exact}. */
  static double[] precisionRecall(Set<IpPrefix> reported, Set<IpPrefix> exact) {
    Set<IpPrefix> both = new HashSet<>(reported);
    both.retainAll(exact);
    return new double[] {
      reported.isEmpty() ? 1 : (double) both.size() / reported.size(),
      exact.isEmpty() ? 1 : (double) both.size() / exact.size()
    };
  }

  static List<String> names(Set<IpPrefix> s) {
    List<String> out = new ArrayList<>();
    s.forEach(p -> out.add(p.toString()));
    out.sort(null);
    return out;
  }
}
