package io.trafficmonitor.agent.collect.sketch;

import java.util.Arrays;

/**
 * Counts distinct items (flows, peer addresses) in fixed memory: a HyperLogLog of {@code 2^p}
 * one-byte registers fed with 64-bit hashes (see {@link Hashing}).
 *
 * <p><b>Error.</b> The relative standard error is {@code 1.04 / sqrt(2^p)} over the whole range:
 * 0.81% at p = 14, so a count is within 2% (2.5 standard errors) about 99% of the time. The
 * estimate is Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog
 * sketches", 2017), computed from the histogram of register values: at small counts its correction
 * term is linear counting ({@code m ln(m / zeros)}), so a sketch is accurate from 0 up, with no
 * bias bump where classic HyperLogLog switches from linear counting to the raw estimate, and no
 * empirical bias tables (HyperLogLog++). With 64-bit hashes there is no large-range correction to
 * make.
 *
 * <p><b>Memory.</b> {@code 2^p} bytes of registers: 16 KiB at p = 14, whatever the count.
 *
 * <p>{@link #add} allocates nothing. Not thread-safe: one writer, as the agent's collector.
 */
public final class HyperLogLog {
  /** The precision the agent uses: 16 KiB, 0.81% standard error. */
  public static final int DEFAULT_PRECISION = 14;

  private static final double ALPHA_INF = 1 / (2 * Math.log(2));

  private final int p;
  private final byte[] registers;

  /** A sketch of {@code 2^precision} registers, precision in [4, 18]. */
  public HyperLogLog(int precision) {
    if (precision < 4 || precision > 18) {
      throw new IllegalArgumentException("precision must be in [4, 18]: " + precision);
    }
    this.p = precision;
    this.registers = new byte[1 << precision];
  }

  public int precision() {
    return p;
  }

  /** Adds an item by its 64-bit hash: the top p bits pick a register, the rest give its rank. */
  public void add(long hash) {
    int index = (int) (hash >>> (64 - p));
    // The rank of the remaining 64 - p bits (1 + leading zeros), at most 64 - p + 1.
    byte rank = (byte) (Long.numberOfLeadingZeros((hash << p) | (1L << (p - 1))) + 1);
    if (rank > registers[index]) {
      registers[index] = rank;
    }
  }

  /** The estimated number of distinct items added (O(2^p) work: call it once per report). */
  public long estimate() {
    int q = 64 - p;
    int m = registers.length;
    int[] c = new int[q + 2];
    for (byte r : registers) {
      c[r]++;
    }
    double z = m * tau(1 - (double) c[q + 1] / m);
    for (int k = q; k >= 1; k--) {
      z = 0.5 * (z + c[k]);
    }
    z += m * sigma((double) c[0] / m);
    return Math.round(ALPHA_INF * m * (double) m / z);
  }

  /** Makes this sketch count the union of both: register-wise maximum (same precision). */
  public void merge(HyperLogLog other) {
    if (other.p != p) {
      throw new IllegalArgumentException("precision " + other.p + " != " + p);
    }
    for (int i = 0; i < registers.length; i++) {
      if (other.registers[i] > registers[i]) {
        registers[i] = other.registers[i];
      }
    }
  }

  /** Forgets every item. */
  public void clear() {
    Arrays.fill(registers, (byte) 0);
  }

  /** Bytes of heap held: the registers plus object headers. */
  public long memoryBytes() {
    return registers.length + 16 + 16 + 8;
  }

  /** True when both sketches hold the same registers (so give the same estimate). */
  public boolean sameState(HyperLogLog other) {
    return other.p == p && Arrays.equals(other.registers, registers);
  }

  // sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1); infinite at x = 1 (an empty sketch).
  private static double sigma(double x) {
    if (x == 1) {
      return Double.POSITIVE_INFINITY;
    }
    double y = 1;
    double z = x;
    double prev;
    do {
      x *= x;
      prev = z;
      z += x * y;
      y += y;
    } while (z != prev);
    return z;
  }

  // tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3; 0 at x = 0 and x = 1.
  private static double tau(double x) {
    if (x == 0 || x == 1) {
      return 0;
    }
    double y = 1;
    double z = 1 - x;
    double prev;
    do {
      x = Math.sqrt(x);
      prev = z;
      y *= 0.5;
      z -= (1 - x) * (1 - x) * y;
    } while (z != prev);
    return z / 3;
  }
}
