package io.trafficmonitor.bpf;

import java.util.Arrays;

/** Packet sizes of one target and direction: bucket i counts L3 sizes in [2^i, 2^(i+1)). */
public record SizeHistogram(long[] buckets) {
  public long total() {
    return Arrays.stream(buckets).sum();
  }

  /** Index of the bucket of an L3 size. */
  public static int bucketOf(int size) {
    return size <= 1 ? 0 : 31 - Integer.numberOfLeadingZeros(size);
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
