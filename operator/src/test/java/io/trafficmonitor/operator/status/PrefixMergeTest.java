package io.trafficmonitor.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.v1alpha1.HeavyPrefix;
import io.trafficmonitor.api.v1alpha1.IpPrefix;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.PrefixDirection;
import io.trafficmonitor.api.v1alpha1.PrefixSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class PrefixMergeTest {
  static final double PHI = PrefixSettings.DEFAULT_THRESHOLD;

  @Test
  void aPrefixHeavyOnNoNodeByItselfIsFoundAsTheAncestorOfWhatTheyListed() {
    // each node: its own address in 10.1.0.0/16 at 6% (listed); over both, each is 3%: their /24
    // carries 6% (the /16 and /8 nothing more)
    NodeStatus a = node(1000, src("10.1.0.5/32", 60, 60), src("11.0.0.0/8", 940, 940));
    NodeStatus b = node(1000, src("10.1.0.9/32", 60, 60), src("12.0.0.0/8", 940, 940));
    assertThat(PrefixMerge.merge(List.of(a, b), PHI))
        .extracting(HeavyPrefix::getPrefix, HeavyPrefix::getBytes, HeavyPrefix::getShare)
        .containsExactly(
            Tuple.tuple("11.0.0.0/8", 940L, 0.47),
            Tuple.tuple("12.0.0.0/8", 940L, 0.47),
            Tuple.tuple("10.1.0.0/24", 120L, 0.06));
  }

  @Test
  void oneNodesListIsCutAtTheThresholdAndItsConditionedBytesKept() {
    // listed down to 2.5%: 10.1.2.3 (30%), 10.1.2.0/24 less it (3%: under 5% over all), 10.0.0.0/8
    NodeStatus a =
        node(
            1000,
            src("10.1.2.3/32", 300, 300),
            src("10.1.2.0/24", 30, 330),
            src("10.0.0.0/8", 600, 930),
            new HeavyPrefix(PrefixDirection.Destination, "2001:db8::/32", 1000L, 1000L, 1.0));
    List<HeavyPrefix> merged = PrefixMerge.merge(List.of(a), PHI);
    assertThat(merged)
        .extracting(
            HeavyPrefix::getDirection,
            HeavyPrefix::getPrefix,
            HeavyPrefix::getBytes,
            HeavyPrefix::getTotalBytes)
        .containsExactly(
            Tuple.tuple(PrefixDirection.Source, "10.0.0.0/8", 630L, 930L),
            Tuple.tuple(PrefixDirection.Source, "10.1.2.3/32", 300L, 300L),
            Tuple.tuple(PrefixDirection.Destination, "2001:db8::/32", 1000L, 1000L));
    assertThat(PrefixMerge.merge(List.of(a), 0)).as("off").isNull();
  }

  /**
   * Planted prefixes spread unevenly over 5 nodes (one node carries most of one, another spreads
   * over all), each node's list the exact conditioned heavy hitters of its own traffic at half the
   * threshold (the agents' answer without their counter error): the merge against the exact answer
   * over all traffic.
   */
  @Test
  void mergedNodesAgreeWithTheExactAnswerOverAllTraffic() {
    SplittableRandom rnd = new SplittableRandom(11);
    int nodes = 5;
    List<Map<IpPrefix, Long>> perNode = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      perNode.add(new HashMap<>());
    }
    long total = 0;
    String[] planted = {"10.1.2.3/32", "10.1.2.0/24", "172.16.0.0/16", "100.0.0.0/8", "fd00::/64"};
    double[] shares = {0.12, 0.08, 0.07, 0.06, 0.09};
    long n = 100_000_000L;
    for (int p = 0; p < planted.length; p++) {
      IpPrefix prefix = IpPrefix.parse(planted[p]);
      for (int j = 0; j < 400; j++) {
        long bytes = Math.round(shares[p] * n / 400);
        IpPrefix a =
            prefix.length() == 32
                ? prefix
                : prefix.v6()
                    ? IpPrefix.of(true, prefix.hi(), rnd.nextLong(), 128)
                    : IpPrefix.of(
                        false,
                        0,
                        prefix.lo() | (rnd.nextLong() & (0xffff_ffffL >>> prefix.length())),
                        32);
        if (planted[p].equals("10.1.2.0/24") && a.lo() == 0x0a01_0203L) {
          continue;
        }
        int node = p == 0 ? (j < 300 ? 0 : 1 + rnd.nextInt(nodes - 1)) : rnd.nextInt(nodes);
        perNode.get(node).merge(a, bytes, Long::sum);
        total += bytes;
      }
    }
    while (total < n) { // background: random IPv4 addresses, at most 0.05% each
      long bytes = 1 + rnd.nextInt(50_000);
      perNode
          .get(rnd.nextInt(nodes))
          .merge(IpPrefix.of(false, 0, rnd.nextLong(), 32), bytes, Long::sum);
      total += bytes;
    }
    List<NodeStatus> statuses = new ArrayList<>();
    Map<IpPrefix, Long> all = new HashMap<>();
    for (Map<IpPrefix, Long> traffic : perNode) {
      long nodeBytes = traffic.values().stream().mapToLong(Long::longValue).sum();
      Map<IpPrefix, Long> counts = counts(traffic);
      List<HeavyPrefix> list = new ArrayList<>();
      exact(counts, nodeBytes, PHI * PrefixSettings.NODE_FRACTION)
          .forEach((p, c) -> list.add(src(p.toString(), c, counts.get(p))));
      NodeStatus s = node(nodeBytes);
      s.setHeavyPrefixes(list);
      statuses.add(s);
      traffic.forEach((a, b) -> all.merge(a, b, Long::sum));
    }
    Set<IpPrefix> truth = exact(counts(all), total, PHI).keySet();
    assertThat(truth.stream().map(IpPrefix::toString))
        .containsExactlyInAnyOrder(planted[0], planted[1], planted[2], planted[3], "fd00::/64");
    Set<IpPrefix> merged =
        PrefixMerge.merge(statuses, PHI).stream()
            .map(h -> IpPrefix.parse(h.getPrefix()))
            .collect(Collectors.toSet());
    Set<IpPrefix> both = new HashSet<>(merged);
    both.retainAll(truth);
    double precision = (double) both.size() / merged.size();
    double recall = (double) both.size() / truth.size();
    System.out.printf("merge of %d nodes: precision %.3f recall %.3f%n", nodes, precision, recall);
    assertThat(precision).isGreaterThanOrEqualTo(0.95);
    assertThat(recall).isGreaterThanOrEqualTo(0.95);
  }

  /** Every prefix's bytes, at the lengths of PrefixSettings. */
  private static Map<IpPrefix, Long> counts(Map<IpPrefix, Long> addresses) {
    Map<IpPrefix, Long> counts = new HashMap<>();
    addresses.forEach(
        (a, b) -> {
          for (int len : a.v6() ? PrefixSettings.IPV6_LENGTHS : PrefixSettings.IPV4_LENGTHS) {
            counts.merge(a.truncate(len), b, Long::sum);
          }
        });
    return counts;
  }

  /** The exact conditioned heavy hitters of {@code counts}, by brute force. */
  private static Map<IpPrefix, Long> exact(Map<IpPrefix, Long> counts, long n, double fraction) {
    long min = (long) Math.ceil(fraction * n);
    Map<IpPrefix, Long> out = new HashMap<>();
    for (boolean v6 : new boolean[] {false, true}) {
      int[] lengths = v6 ? PrefixSettings.IPV6_LENGTHS : PrefixSettings.IPV4_LENGTHS;
      Set<IpPrefix> pending = new HashSet<>();
      for (int level = lengths.length - 1; level >= 0; level--) {
        int len = lengths[level];
        Map<IpPrefix, Long> inside = new HashMap<>();
        pending.forEach(p -> inside.merge(p.truncate(len), counts.get(p), Long::sum));
        Set<IpPrefix> listed = new HashSet<>();
        counts.forEach(
            (p, c) -> {
              if (p.v6() == v6 && p.length() == len && c - inside.getOrDefault(p, 0L) >= min) {
                listed.add(p);
                out.put(p, c - inside.getOrDefault(p, 0L));
              }
            });
        pending.removeIf(p -> listed.contains(p.truncate(len)));
        pending.addAll(listed);
      }
    }
    return out;
  }

  private static HeavyPrefix src(String prefix, long bytes, long total) {
    return new HeavyPrefix(PrefixDirection.Source, prefix, bytes, total, 0.0);
  }

  private static NodeStatus node(long bytes, HeavyPrefix... prefixes) {
    NodeStatus s = new NodeStatus();
    s.setRxBytes(bytes / 2);
    s.setTxBytes(bytes - bytes / 2);
    s.setHeavyPrefixes(List.of(prefixes));
    return s;
  }
}
