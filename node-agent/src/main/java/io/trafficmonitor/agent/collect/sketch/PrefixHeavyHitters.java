package io.trafficmonitor.agent.collect.sketch;

import io.trafficmonitor.api.v1alpha1.IpPrefix;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hierarchical heavy hitters of one address field (sources, or destinations) by byte count: one
 * {@link SpaceSaving} of k counters per prefix length and address family (Mitzenmacher, Steinke and
 * Thaler's "full ancestry" layout: an update adds to every length), allocated on the family's first
 * address.
 *
 * <p><b>What {@link #heavy} lists: conditioned heavy hitters.</b> Going from the longest prefixes
 * to the shortest, a prefix is listed when its bytes, less those of its closest listed descendants
 * (listed prefixes inside it with no listed prefix between), reach the threshold. The test uses
 * upper estimates: the prefix's count less its descendants' lower estimates (count - error). So
 * every prefix whose true conditioned bytes (against what is listed) reach the threshold is listed
 * (no false negatives), as long as N / k is below the threshold (an uncounted prefix has at most N
 * / k); a listed prefix may fall short by its own and its descendants' errors, each at most N / k.
 *
 * <p><b>Memory.</b> {@code levels x k x 48} bytes per family in use: {@link #memoryBytes()}. {@link
 * #add} allocates nothing once a family's counters exist. Not thread-safe.
 */
public final class PrefixHeavyHitters {

  /**
   * A listed prefix: {@code totalBytes} its count (never below the truth, at most N / k above),
   * {@code bytes} that less the counts of its closest listed descendants (at least 0).
   */
  public record Heavy(IpPrefix prefix, long totalBytes, long bytes) {}

  private record Listed(Heavy heavy, long lower) {}

  private final int k;
  private final int[] v4Lengths;
  private final int[] v6Lengths;
  private final SpaceSaving[] v4;
  private final SpaceSaving[] v6;
  private long total;

  /** Counts prefixes of the given lengths (ascending) with {@code k} counters each. */
  public PrefixHeavyHitters(int k, int[] v4Lengths, int[] v6Lengths) {
    this.k = k;
    this.v4Lengths = v4Lengths.clone();
    this.v6Lengths = v6Lengths.clone();
    this.v4 = new SpaceSaving[v4Lengths.length];
    this.v6 = new SpaceSaving[v6Lengths.length];
  }

  /**
   * Adds {@code bytes} to every prefix of the address: IPv6 {@code hi, lo} (big-endian halves), or
   * IPv4 in the low 32 bits of {@code lo}.
   */
  public void add(boolean ipv6, long hi, long lo, long bytes) {
    total += bytes;
    if (!ipv6) {
      long a = lo & 0xffff_ffffL;
      if (v4[0] == null) {
        allocate(v4);
      }
      for (int i = 0; i < v4Lengths.length; i++) {
        v4[i].add(0, a & ~(0xffff_ffffL >>> v4Lengths[i]), bytes);
      }
    } else {
      if (v6[0] == null) {
        allocate(v6);
      }
      for (int i = 0; i < v6Lengths.length; i++) {
        int len = v6Lengths[i];
        v6[i].add(hi & IpPrefix.mask(len), lo & IpPrefix.mask(len - 64), bytes);
      }
    }
  }

  /** N: the bytes added, both families. */
  public long total() {
    return total;
  }

  /**
   * The conditioned heavy hitters whose bytes (less their listed descendants') reach {@code
   * fraction} of {@code n}, largest {@code bytes} first, at most {@code limit}.
   */
  public List<Heavy> heavy(long n, double fraction, int limit) {
    long threshold = Math.max(1, (long) Math.ceil(fraction * n));
    List<Heavy> out = new ArrayList<>();
    family(false, v4Lengths, v4, threshold, out);
    family(true, v6Lengths, v6, threshold, out);
    out.sort(
        Comparator.comparingLong(Heavy::bytes)
            .reversed()
            .thenComparing(h -> h.prefix().toString()));
    return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
  }

  private static void family(
      boolean ipv6, int[] lengths, SpaceSaving[] sums, long threshold, List<Heavy> out) {
    List<Listed> pending = new ArrayList<>(); // listed, with no listed ancestor yet
    for (int level = lengths.length - 1; level >= 0; level--) {
      SpaceSaving s = sums[level];
      if (s == null) {
        return;
      }
      int len = lengths[level];
      Map<IpPrefix, long[]> under = new HashMap<>(); // lower and upper sums of pending inside
      for (Listed d : pending) {
        long[] u = under.computeIfAbsent(d.heavy.prefix().truncate(len), p -> new long[2]);
        u[0] += d.lower;
        u[1] += d.heavy.totalBytes();
      }
      List<Listed> listed = new ArrayList<>();
      for (int i = 0; i < s.size(); i++) {
        IpPrefix p = new IpPrefix(ipv6, s.hi(i), s.lo(i), len);
        long[] u = under.get(p);
        long count = s.count(i);
        if (count - (u == null ? 0 : u[0]) >= threshold) {
          long bytes = Math.max(0, count - (u == null ? 0 : u[1]));
          listed.add(new Listed(new Heavy(p, count, bytes), count - s.error(i)));
        }
      }
      if (!listed.isEmpty()) {
        Set<IpPrefix> at = new HashSet<>();
        for (Listed l : listed) {
          at.add(l.heavy.prefix());
          out.add(l.heavy);
        }
        pending.removeIf(d -> at.contains(d.heavy.prefix().truncate(len)));
        pending.addAll(listed);
      }
    }
  }

  /** Bytes of heap held: the counters of the families in use. */
  public long memoryBytes() {
    long b = 64;
    for (SpaceSaving[] f : List.of(v4, v6)) {
      for (SpaceSaving s : f) {
        b += s == null ? 8 : 8 + s.memoryBytes();
      }
    }
    return b;
  }

  /** The most bytes of heap it can hold: every family in use. */
  public static long maxMemoryBytes(int k, int levels) {
    return 64 + levels * (8 + new SpaceSaving(k).memoryBytes());
  }

  /** Writes the counters for {@link #read}. */
  public void write(DataOutput out) throws IOException {
    out.writeLong(total);
    for (SpaceSaving[] f : List.of(v4, v6)) {
      out.writeInt(f.length);
      for (SpaceSaving s : f) {
        out.writeBoolean(s != null);
        if (s != null) {
          s.write(out);
        }
      }
    }
  }

  /** Takes the counters {@link #write} wrote (of the same lengths); else throws IOException. */
  public void read(DataInput in) throws IOException {
    total = in.readLong();
    for (SpaceSaving[] f : List.of(v4, v6)) {
      if (in.readInt() != f.length) {
        throw new IOException("prefix counters of other lengths");
      }
      for (int i = 0; i < f.length; i++) {
        f[i] = in.readBoolean() ? SpaceSaving.read(in) : null;
      }
    }
  }

  private void allocate(SpaceSaving[] f) {
    for (int i = 0; i < f.length; i++) {
      f[i] = new SpaceSaving(k);
    }
  }
}
