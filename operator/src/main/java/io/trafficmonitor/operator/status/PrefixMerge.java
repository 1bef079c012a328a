package io.trafficmonitor.operator.status;

import io.trafficmonitor.api.v1alpha1.HeavyPrefix;
import io.trafficmonitor.api.v1alpha1.IpPrefix;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.PrefixDirection;
import io.trafficmonitor.api.v1alpha1.PrefixSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges the nodes' heavy prefixes into status.summary.heavyPrefixes, with the guarantee that
 * {@link HeavyPrefix#SUMMARY_LIST} states.
 *
 * <p>Each node lists, per direction, the conditioned heavy hitters of its own traffic down to half
 * the threshold, with each prefix's totalBytes. Such a list tells, for any prefix p, the node's
 * bytes in p within less than half the threshold of its bytes: p's own totalBytes when listed, else
 * the sum of the totalBytes of the listed prefixes inside p with no listed prefix between (what the
 * list leaves out of p is below the node's listing threshold, or it would be listed). So the merge
 * sums, for every listed prefix and each of its ancestors (at the lengths of {@link
 * PrefixSettings}), those figures over the nodes, and computes the conditioned heavy hitters of the
 * sums as the agents do. A prefix heavy over all nodes but on no node by itself (two nodes each
 * with its own heavy address in one /24) comes out, as the ancestor of what the nodes listed.
 */
final class PrefixMerge {
  private PrefixMerge() {}

  /** The merged list against the nodes' bytes (rx + tx); null when none is heavy or it is off. */
  static List<HeavyPrefix> merge(List<NodeStatus> nodes, double threshold) {
    long n = 0;
    for (NodeStatus s : nodes) {
      n += orZero(s.getRxBytes()) + orZero(s.getTxBytes());
    }
    if (threshold <= 0 || n <= 0) {
      return null;
    }
    List<HeavyPrefix> out = new ArrayList<>();
    for (PrefixDirection d : PrefixDirection.values()) {
      Map<IpPrefix, Long> sums = new HashMap<>();
      for (NodeStatus s : nodes) {
        addNode(sums, listed(s, d));
      }
      List<HeavyPrefix> heavy = new ArrayList<>();
      conditioned(sums, false, PrefixSettings.IPV4_LENGTHS, threshold, n, d, heavy);
      conditioned(sums, true, PrefixSettings.IPV6_LENGTHS, threshold, n, d, heavy);
      heavy.sort(
          Comparator.comparing(HeavyPrefix::getBytes)
              .reversed()
              .thenComparing(HeavyPrefix::getPrefix));
      out.addAll(heavy.subList(0, Math.min(heavy.size(), HeavyPrefix.SUMMARY_MAX_PER_DIRECTION)));
    }
    return out.isEmpty() ? null : out;
  }

  /** The node's listed prefixes of direction {@code d} with their totalBytes. */
  private static Map<IpPrefix, Long> listed(NodeStatus s, PrefixDirection d) {
    Map<IpPrefix, Long> m = new HashMap<>();
    if (s.getHeavyPrefixes() != null) {
      for (HeavyPrefix h : s.getHeavyPrefixes()) {
        if (h != null && h.getDirection() == d && h.getPrefix() != null) {
          try {
            m.merge(IpPrefix.parse(h.getPrefix()), orZero(h.getTotalBytes()), Long::sum);
          } catch (IllegalArgumentException e) {
            // not an agent's spelling: left out
          }
        }
      }
    }
    return m;
  }

  /**
   * Adds what one node's list tells of each listed prefix and of its ancestors: every listed prefix
   * counts for itself and for each ancestor up to (not including) its closest listed ancestor.
   */
  static void addNode(Map<IpPrefix, Long> sums, Map<IpPrefix, Long> listed) {
    for (Map.Entry<IpPrefix, Long> e : listed.entrySet()) {
      IpPrefix p = e.getKey();
      int[] lengths = p.v6() ? PrefixSettings.IPV6_LENGTHS : PrefixSettings.IPV4_LENGTHS;
      sums.merge(p, e.getValue(), Long::sum);
      for (int i = lengths.length - 1; i >= 0; i--) {
        if (lengths[i] >= p.length()) {
          continue;
        }
        IpPrefix a = p.truncate(lengths[i]);
        if (listed.containsKey(a)) {
          break; // a counts for itself and above
        }
        sums.merge(a, e.getValue(), Long::sum);
      }
    }
  }

  /** The conditioned heavy hitters of one family of {@code sums}, longest prefixes first. */
  private static void conditioned(
      Map<IpPrefix, Long> sums,
      boolean v6,
      int[] lengths,
      double threshold,
      long n,
      PrefixDirection d,
      List<HeavyPrefix> out) {
    long min = Math.max(1, (long) Math.ceil(threshold * n));
    Set<IpPrefix> pending = new HashSet<>(); // listed, with no listed ancestor yet
    for (int level = lengths.length - 1; level >= 0; level--) {
      int len = lengths[level];
      Map<IpPrefix, Long> inside = new HashMap<>();
      for (IpPrefix p : pending) {
        inside.merge(p.truncate(len), sums.get(p), Long::sum);
      }
      Set<IpPrefix> listed = new HashSet<>();
      for (Map.Entry<IpPrefix, Long> e : sums.entrySet()) {
        IpPrefix p = e.getKey();
        if (p.v6() != v6 || p.length() != len) {
          continue;
        }
        long bytes = Math.max(0, e.getValue() - inside.getOrDefault(p, 0L));
        if (bytes >= min) {
          listed.add(p);
          double share = Math.round(10_000.0 * bytes / n) / 10_000.0;
          out.add(new HeavyPrefix(d, p.toString(), bytes, e.getValue(), share));
        }
      }
      pending.removeIf(p -> listed.contains(p.truncate(len)));
      pending.addAll(listed);
    }
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }
}
