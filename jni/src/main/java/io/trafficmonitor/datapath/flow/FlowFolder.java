package io.trafficmonitor.datapath.flow;

import io.trafficmonitor.bpf.BpfMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Turns flows-map values (struct flow_stats, one copy per CPU in a {@code PERCPU_HASH}, else one)
 * into the {@code STATS_SIZE} layout readers get: counters, histogram buckets add up, flags OR, the
 * last time seen is the latest copy's and the first time seen the earliest of the copies that saw a
 * packet; the flow's inter-arrival figures from the jitter map follow.
 */
final class FlowFolder {
  private final int cpus;
  private final ByteBuffer out;
  private final byte[] perCpu;
  private final byte[] jitterValue = new byte[FlowLayout.JITTER_SIZE];

  FlowFolder(int cpus, int batchSize) {
    this.cpus = cpus;
    this.out =
        ByteBuffer.allocateDirect(batchSize * FlowLayout.STATS_SIZE).order(ByteOrder.nativeOrder());
    this.perCpu = new byte[FlowLayout.VALUE_SIZE * cpus];
  }

  /**
   * A visitor that hands {@code visitor} folded values, with the inter-arrival figures of {@code
   * jitter} (flow key bytes to {count, sum ns, sum of squares us^2}).
   */
  BpfMap.BatchVisitor folding(BpfMap.BatchVisitor visitor, Map<ByteBuffer, long[]> jitter) {
    return (keys, values, n) -> {
      for (int i = 0; i < n; i++) {
        int to = i * FlowLayout.STATS_SIZE;
        fold(values, i * FlowLayout.VALUE_SIZE * cpus, out, to);
        if (!jitter.isEmpty()) {
          long[] iat = jitter.get(keys.slice(i * FlowLayout.KEY_SIZE, FlowLayout.KEY_SIZE));
          if (iat != null) {
            putIntervals(out, to, iat[0], iat[1], iat[2]);
          }
        }
      }
      visitor.accept(keys, out.clear(), n);
    };
  }

  /**
   * Atomically reads and removes one flow (and its jitter state); {@code value} receives the folded
   * {@code STATS_SIZE} bytes. False when the flow was gone.
   */
  boolean lookupAndDelete(BpfMap flows, BpfMap jitter, byte[] key, byte[] value) {
    if (!flows.lookupAndDelete(key, perCpu)) {
      return false;
    }
    ByteBuffer dst = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
    fold(ByteBuffer.wrap(perCpu).order(ByteOrder.nativeOrder()), 0, dst, 0);
    if (jitter.lookupAndDelete(key, jitterValue)) {
      ByteBuffer j = ByteBuffer.wrap(jitterValue).order(ByteOrder.nativeOrder());
      int c = FlowLayout.JITTER_IAT_COUNT;
      putIntervals(dst, 0, j.getLong(c), j.getLong(c + 8), j.getLong(c + 16));
    }
    return true;
  }

  private static void putIntervals(ByteBuffer dst, int to, long n, long sum, long sumSq) {
    dst.putLong(to + FlowLayout.STATS_IAT_COUNT, n);
    dst.putLong(to + FlowLayout.STATS_IAT_SUM_NS, sum);
    dst.putLong(to + FlowLayout.STATS_IAT_SUM_SQ_US, sumSq);
  }

  /** Folds the copies at src[off] into dst[to] (STATS_SIZE bytes, inter-arrival figures zero). */
  void fold(ByteBuffer src, int off, ByteBuffer dst, int to) {
    long bytes = 0, packets = 0, payload = 0, last = 0, first = 0;
    int tcpFlags = 0, flags = 0;
    for (int h = 0; h < FlowLayout.HIST_BUCKETS; h++) {
      dst.putInt(to + FlowLayout.STATS_SIZE_HIST + 4 * h, 0);
    }
    for (int c = 0; c < cpus; c++) {
      int o = off + c * FlowLayout.VALUE_SIZE;
      long p = src.getLong(o + FlowLayout.STATS_PACKETS);
      if (p == 0) {
        continue; // this CPU never saw the flow: its copy was zeroed when another created it
      }
      bytes += src.getLong(o + FlowLayout.STATS_BYTES);
      packets += p;
      payload += src.getLong(o + FlowLayout.STATS_PAYLOAD_BYTES);
      last = Math.max(last, src.getLong(o + FlowLayout.STATS_LAST_SEEN));
      long f = src.getLong(o + FlowLayout.STATS_FIRST_SEEN);
      if (f != 0 && (first == 0 || f < first)) {
        first = f;
      }
      tcpFlags |= src.getInt(o + FlowLayout.STATS_TCP_FLAGS);
      flags |= src.getInt(o + FlowLayout.STATS_FLAGS);
      for (int h = 0; h < FlowLayout.HIST_BUCKETS; h++) {
        int at = to + FlowLayout.STATS_SIZE_HIST + 4 * h;
        dst.putInt(at, dst.getInt(at) + src.getInt(o + FlowLayout.STATS_SIZE_HIST + 4 * h));
      }
    }
    dst.putLong(to + FlowLayout.STATS_BYTES, bytes);
    dst.putLong(to + FlowLayout.STATS_PACKETS, packets);
    dst.putLong(to + FlowLayout.STATS_PAYLOAD_BYTES, payload);
    dst.putLong(to + FlowLayout.STATS_LAST_SEEN, last);
    dst.putInt(to + FlowLayout.STATS_TCP_FLAGS, tcpFlags);
    dst.putInt(to + FlowLayout.STATS_FLAGS, flags);
    dst.putLong(to + FlowLayout.STATS_FIRST_SEEN, first);
    putIntervals(dst, to, 0, 0, 0);
  }
}
