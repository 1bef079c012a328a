package io.trafficmonitor.agent.collect.sketch;

import java.util.Arrays;

/**
 * Estimates per-key sums (bytes per flow, per peer) in fixed memory: a Count-Min sketch of {@code
 * depth} rows of {@code width} long counters, with conservative update, keyed by 64-bit hashes (see
 * {@link Hashing}).
 *
 * <p><b>Error.</b> An estimate never falls below the true sum. With {@code epsilon = e / width} and
 * {@code delta = e^-depth}, it exceeds the true sum by more than {@code epsilon * N} (N the sum of
 * all counts added, {@link #total()}) with probability at most {@code delta}. Conservative update
 * (raise each row's counter only as far as the new minimum) keeps every counter at or below the
 * plain sketch's, so the bound holds, and on skewed traffic the overestimates are much smaller in
 * practice. {@link #forError} rounds the width up to a power of two (a mask, not a division, picks
 * a column), so the actual epsilon is at most the one asked for.
 *
 * <p><b>Memory.</b> {@code 8 * width * depth} bytes: 160 KiB for epsilon 0.001, delta 0.01 (width
 * 4096, depth 5; actual epsilon 0.00066, delta 0.0067).
 *
 * <p>Rows are picked by multiply-add-shift hashing of the key's hash with per-row odd multipliers
 * (fixed seed, so sketches of equal shape are comparable). Counts must not be negative. {@link
 * #add} allocates nothing. Not thread-safe.
 */
public final class CountMinSketch {
  private final int width;
  private final int depth;
  private final int shift;
  private final long[] multipliers;
  private final long[] addends;
  private final long[] counters;
  private final int[] columns; // scratch for add: each row's counter index
  private long total;

  /** A sketch of {@code depth} rows of {@code width} counters; width a power of two. */
  public CountMinSketch(int width, int depth) {
    if (width < 2 || Integer.bitCount(width) != 1 || depth < 1 || depth > 32) {
      throw new IllegalArgumentException(
          "width must be a power of two >= 2 and depth in [1, 32]: " + width + " x " + depth);
    }
    if ((long) width * depth > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("too large: " + width + " x " + depth);
    }
    this.width = width;
    this.depth = depth;
    this.shift = 64 - Integer.numberOfTrailingZeros(width);
    this.multipliers = new long[depth];
    this.addends = new long[depth];
    long s = 0x5DEECE66DL;
    for (int i = 0; i < depth; i++) {
      multipliers[i] = Hashing.mix(s += 0x9E3779B97F4A7C15L) | 1;
      addends[i] = Hashing.mix(s += 0x9E3779B97F4A7C15L);
    }
    this.counters = new long[width * depth];
    this.columns = new int[depth];
  }

  /**
   * The smallest sketch whose estimates exceed true sums by more than {@code epsilon * N} with
   * probability at most {@code delta}: width {@code 2^ceil(log2(e / epsilon))}, depth {@code
   * ceil(ln(1 / delta))}.
   */
  public static CountMinSketch forError(double epsilon, double delta) {
    if (!(epsilon > 0 && epsilon < 1) || !(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("epsilon and delta must be in (0, 1)");
    }
    long w = (long) Math.ceil(Math.E / epsilon);
    int width = Math.max(2, Integer.highestOneBit((int) Math.min(w, 1 << 30) - 1) << 1);
    int depth = (int) Math.ceil(Math.log(1 / delta));
    return new CountMinSketch(width, depth);
  }

  public int width() {
    return width;
  }

  public int depth() {
    return depth;
  }

  /** {@code e / width}: estimates are within {@code epsilon() * total()} with probability 1-δ. */
  public double epsilon() {
    return Math.E / width;
  }

  /** {@code e^-depth}: the probability that one estimate misses the epsilon bound. */
  public double delta() {
    return Math.exp(-depth);
  }

  /** N: the sum of all counts added. */
  public long total() {
    return total;
  }

  /** {@code epsilon() * total()}: the overestimate not exceeded with probability {@code 1-δ}. */
  public double errorBound() {
    return epsilon() * total;
  }

  /** Adds {@code count} (>= 0) to the key's sum; returns the key's new estimate. */
  public long add(long hash, long count) {
    if (count < 0) {
      throw new IllegalArgumentException("negative count " + count);
    }
    long min = Long.MAX_VALUE;
    for (int i = 0; i < depth; i++) {
      int j = index(i, hash);
      columns[i] = j;
      min = Math.min(min, counters[j]);
    }
    long target = min + count;
    for (int i = 0; i < depth; i++) {
      int j = columns[i];
      if (counters[j] < target) {
        counters[j] = target;
      }
    }
    total += count;
    return target;
  }

  /** The key's estimated sum: never below the true sum. */
  public long estimate(long hash) {
    long min = Long.MAX_VALUE;
    for (int i = 0; i < depth; i++) {
      min = Math.min(min, counters[index(i, hash)]);
    }
    return min;
  }

  /** Forgets every count. */
  public void clear() {
    Arrays.fill(counters, 0);
    total = 0;
  }

  /** Bytes of heap held: the counters, the row seeds, scratch and object headers. */
  public long memoryBytes() {
    return 8L * counters.length + 20L * depth + 4 * 16 + 48;
  }

  private int index(int row, long hash) {
    return row * width + (int) ((hash * multipliers[row] + addends[row]) >>> shift);
  }
}
