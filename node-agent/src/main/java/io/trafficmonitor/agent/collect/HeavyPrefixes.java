package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.collect.sketch.PrefixHeavyHitters;
import io.trafficmonitor.api.v1alpha1.HeavyPrefix;
import io.trafficmonitor.api.v1alpha1.PrefixSettings;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One monitor's heavy prefixes on this node (spec.prefixes): the source and the destination
 * addresses of every byte it counts in its totals, each into its own {@link PrefixHeavyHitters}
 * ({@link PrefixSettings#COUNTERS} counters per prefix length and family). The node lists down to
 * {@link PrefixSettings#NODE_FRACTION} of the threshold, for the operator's merge. Kept in the
 * agent's checkpoint with the totals, so that a restarted agent's shares stay shares of the same
 * bytes. Guarded by the collector's lock, as its {@link MonitorView}.
 */
final class HeavyPrefixes {
  private double threshold; // 0: off (spec.prefixes off by default)
  private PrefixHeavyHitters sources;
  private PrefixHeavyHitters destinations;

  /** The share a prefix must reach, or 0 to stop and forget the counts. */
  void threshold(double t) {
    threshold = t;
    if (t <= 0) {
      sources = null;
      destinations = null;
    }
  }

  void add(FlowEntry e, long bytes) {
    if (threshold <= 0) {
      return;
    }
    if (sources == null) {
      sources = fresh();
      destinations = fresh();
    }
    FlowId id = e.id;
    sources.add(e.v6, id.addressWord(0), id.addressWord(1), bytes);
    destinations.add(e.v6, id.addressWord(2), id.addressWord(3), bytes);
  }

  /** This node's list against {@code n}, the monitor's bytes: sources first, largest first. */
  List<StatusSnapshot.HeavyPrefix> list(long n) {
    List<StatusSnapshot.HeavyPrefix> out = new ArrayList<>();
    if (threshold <= 0 || sources == null || n <= 0) {
      return out;
    }
    double fraction = threshold * PrefixSettings.NODE_FRACTION;
    for (PrefixHeavyHitters side : List.of(sources, destinations)) {
      for (PrefixHeavyHitters.Heavy h :
          side.heavy(n, fraction, HeavyPrefix.NODE_MAX_PER_DIRECTION)) {
        out.add(
            new StatusSnapshot.HeavyPrefix(
                side == sources, h.prefix().toString(), h.bytes(), h.totalBytes()));
      }
    }
    return out;
  }

  /** Bytes of heap the counters hold. */
  long memoryBytes() {
    return sources == null ? 0 : sources.memoryBytes() + destinations.memoryBytes();
  }

  void save(DataOutputStream out) throws IOException {
    out.writeBoolean(sources != null);
    if (sources != null) {
      sources.write(out);
      destinations.write(out);
    }
  }

  void restore(DataInputStream in) throws IOException {
    if (in.readBoolean()) {
      PrefixHeavyHitters s = fresh();
      PrefixHeavyHitters d = fresh();
      s.read(in);
      d.read(in);
      sources = s;
      destinations = d;
    }
  }

  private static PrefixHeavyHitters fresh() {
    return new PrefixHeavyHitters(
        PrefixSettings.COUNTERS, PrefixSettings.IPV4_LENGTHS, PrefixSettings.IPV6_LENGTHS);
  }
}
