package io.trafficmonitor.datapath.flow;

import java.util.Arrays;

/**
 * Packet sizes (L3 bytes per segment): bucket 0 counts sizes below 64, bucket i sizes in [2^(i+5),
 * 2^(i+6)), the last bucket ({@link FlowLayout#HIST_BUCKETS} - 1) 4096 and more.
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
    int log2 = size <= 1 ? 0 : 31 - Integer.numberOfLeadingZeros(size);
    return Math.max(0, Math.min(log2 - FlowLayout.HIST_SHIFT, FlowLayout.HIST_BUCKETS - 1));
  }

  /** Upper bound in bytes (exclusive) of bucket i; the last one has none. */
  public static long upperBound(int bucket) {
    return bucket == FlowLayout.HIST_BUCKETS - 1
        ? Long.MAX_VALUE
        : 1L << (bucket + FlowLayout.HIST_SHIFT + 1);
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
