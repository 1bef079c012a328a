package io.trafficmonitor.bpf;

import java.util.Arrays;

/**
 * Packet sizes: bucket i counts packets whose L3 size per segment is in [2^i, 2^(i+1)); the last
 * bucket ({@link FlowLayout#HIST_BUCKETS} - 1) also counts every larger size.
 */
public record SizeHistogram(long[] buckets) {
  public static SizeHistogram empty() {
    return new SizeHistogram(new long[FlowLayout.HIST_BUCKETS]);
  }

  public long total() {
    return Arrays.stream(buckets).sum();
  }

  /** Index of the bucket of an L3 size. */
  public static int bucketOf(int size) {
    int b = size <= 1 ? 0 : 31 - Integer.numberOfLeadingZeros(size);
    return Math.min(b, FlowLayout.HIST_BUCKETS - 1);
  }

  /** Lower bound in bytes of bucket i. */
  public static long lowerBound(int bucket) {
    return 1L << bucket;
  }

  /** This plus {@code other}, bucket by bucket. */
  public SizeHistogram plus(SizeHistogram other) {
    long[] sum = buckets.clone();
    for (int i = 0; i < sum.length; i++) {
      sum[i] += other.buckets[i];
    }
    return new SizeHistogram(sum);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SizeHistogram h && Arrays.equals(buckets, h.buckets);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(buckets);
  }

  @Override
  public String toString() {
    return "SizeHistogram" + Arrays.toString(buckets);
  }
}
