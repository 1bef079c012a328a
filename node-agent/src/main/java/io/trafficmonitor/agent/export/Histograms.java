package io.trafficmonitor.agent.export;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Prometheus histograms whose buckets are counted elsewhere (in the kernel, as log2 buckets) and
 * only exposed here: Micrometer builds histograms from single observations, which the agent never
 * sees. Each family has fixed upper bounds; each series supplies its per-bucket counts (not
 * cumulative; one more than the bounds, the last for +Inf) and the sum of the observed values.
 */
final class Histograms implements MultiCollector {
  /** A metric name with its help text and bucket upper bounds (ascending, without +Inf). */
  record Family(String name, String help, double[] upperBounds) {}

  /** The figures of one series at scrape time. */
  record Data(long[] counts, double sum) {}

  private record Series(Family family, Labels labels, Supplier<Data> data) {}

  private final Map<Object, Series> series = new ConcurrentHashMap<>();

  /** log2 buckets: upper bounds 2^(first+1) .. 2^(first+n) times {@code scale}. */
  static double[] powersOfTwo(int first, int n, double scale) {
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      b[i] = Math.scalb(1.0, first + i + 1) * scale;
    }
    return b;
  }

  void add(Object key, Family family, Labels labels, Supplier<Data> data) {
    series.put(key, new Series(family, labels, data));
  }

  void remove(Object key) {
    series.remove(key);
  }

  @Override
  public MetricSnapshots collect() {
    Map<Family, HistogramSnapshot.Builder> families = new LinkedHashMap<>();
    Map<Family, Set<Labels>> seen = new HashMap<>();
    for (Series s : series.values()) {
      if (!seen.computeIfAbsent(s.family(), f -> new HashSet<>()).add(s.labels())) {
        continue; // two series under the same labels would fail the whole scrape: the first wins
      }
      Data d = s.data().get();
      double[] bounds = new double[s.family().upperBounds().length + 1];
      System.arraycopy(s.family().upperBounds(), 0, bounds, 0, bounds.length - 1);
      bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
      long[] counts = new long[bounds.length];
      for (int i = 0; i < d.counts().length; i++) {
        counts[Math.min(i, counts.length - 1)] += d.counts()[i];
      }
      families
          .computeIfAbsent(
              s.family(), f -> HistogramSnapshot.builder().name(f.name()).help(f.help()))
          .dataPoint(
              HistogramSnapshot.HistogramDataPointSnapshot.builder()
                  .labels(s.labels())
                  .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                  .sum(d.sum())
                  .build());
    }
    List<MetricSnapshot> out = new ArrayList<>();
    families.values().forEach(b -> out.add(b.build()));
    return new MetricSnapshots(out);
  }
}
