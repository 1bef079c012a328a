package io.trafficmonitor.agent.collect.sketch;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Accuracy, memory and speed of the sketches at 10k, 100k and 1M distinct flows with Zipf(1.1) byte
 * counts, each flow to one of n/4 peers, streamed as the agent does: every flow's delta once per
 * collection, 4 collections. Writes a Markdown report (not a test):
 *
 * <pre>
 * java -cp node-agent/target/test-classes:node-agent/target/classes:$(cat /tmp/sk.cp) \
 *     io.trafficmonitor.agent.collect.sketch.SketchBench docs/benchmarks/sketches.md
 * </pre>
 */
public final class SketchBench {
  static final int PRECISION = HyperLogLog.DEFAULT_PRECISION;
  static final double EPSILON = 0.001;
  static final double DELTA = 0.01;
  static final int K = 10;
  static final int ROUNDS = 4;
  static final int RUNS = 7;
  static final CountMinSketch CMS = CountMinSketch.forError(EPSILON, DELTA);
  static final int[][] SHAPES = {{256, 3}, {1024, 3}, {1024, 5}, {4096, 3}, {4096, 5}, {16384, 5}};
  static final int[] PRECISIONS = {10, 12, 14, 16};

  private record Accuracy(
      int width,
      int depth,
      int flows,
      int peers,
      long total,
      double hllFlows,
      double hllPeers,
      double cmsFlowsMax,
      double cmsFlowsMean,
      double cmsPeersMax,
      double cmsPeersMean,
      double epsilon,
      String topFlows,
      String topTalkers,
      double gapFlows,
      double gapTalkers) {}

  private record Speed(double hash, double hll, double cms, double hh) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks/sketches.md");
    int[] sizes = {10_000, 100_000, 1_000_000};
    List<Accuracy> accuracy = new ArrayList<>();
    List<Speed> speed = new ArrayList<>();
    for (int n : sizes) {
      Flows flows = Flows.zipf(n, n / 4, 1.1, 1e9, n);
      accuracy.add(accuracy(flows, CMS.width(), CMS.depth()));
      speed.add(speed(flows));
      System.out.println(accuracy.get(accuracy.size() - 1));
      System.out.println(speed.get(speed.size() - 1));
    }
    Flows million = Flows.zipf(1_000_000, 250_000, 1.1, 1e9, 1_000_000);
    List<Accuracy> shapes = new ArrayList<>();
    for (int[] shape : SHAPES) {
      shapes.add(accuracy(million, shape[0], shape[1]));
      System.out.println(shapes.get(shapes.size() - 1));
    }
    List<double[]> precisions = new ArrayList<>();
    for (int p : PRECISIONS) {
      precisions.add(precision(p, 100_000, 20));
      System.out.println(p + " " + Arrays.toString(precisions.get(precisions.size() - 1)));
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report(sizes, accuracy, speed, shapes, precisions));
    System.out.println("wrote " + out);
  }

  private static Accuracy accuracy(Flows flows, int width, int depth) {
    int n = flows.n;
    HyperLogLog flowCount = new HyperLogLog(PRECISION);
    HyperLogLog peerCount = new HyperLogLog(PRECISION);
    HeavyHitters<Flows.Key> topFlows =
        new HeavyHitters<>(K, new CountMinSketch(width, depth), Flows.Key::copy);
    HeavyHitters<Flows.Key> topTalkers =
        new HeavyHitters<>(K, new CountMinSketch(width, depth), Flows.Key::copy);
    Flows.Key probe = new Flows.Key();
    for (int r = 0; r < ROUNDS; r++) {
      for (int i = 0; i < n; i++) {
        long fh = flows.flowHash(i);
        long ph = flows.peerHash(i);
        long d = flows.delta(i, r, ROUNDS);
        flowCount.add(fh);
        peerCount.add(ph);
        topFlows.add(probe.flow(flows, i), fh, d);
        topTalkers.add(probe.peer(flows, i), ph, d);
      }
    }
    int peerSlots = Arrays.stream(flows.peerIndex).max().orElse(0) + 1;
    long[] peerBytes = new long[peerSlots];
    int[] peerFlow = new int[peerSlots]; // a flow of each peer, to build its key
    Arrays.fill(peerFlow, -1);
    long total = 0;
    for (int i = 0; i < n; i++) {
      peerBytes[flows.peerIndex[i]] += flows.bytes[i];
      peerFlow[flows.peerIndex[i]] = i;
      total += flows.bytes[i];
    }
    int peers = (int) Arrays.stream(peerFlow).filter(i -> i >= 0).count();

    CountMinSketch fs = topFlows.sketch();
    long maxOver = 0;
    double sumOver = 0;
    for (int i = 0; i < n; i++) {
      long over = fs.estimate(flows.flowHash(i)) - flows.bytes[i];
      maxOver = Math.max(maxOver, over);
      sumOver += over;
    }
    CountMinSketch ps = topTalkers.sketch();
    long maxPeerOver = 0;
    double sumPeerOver = 0;
    for (int p = 0; p < peerSlots; p++) {
      if (peerFlow[p] >= 0) {
        long over = ps.estimate(flows.peerHash(peerFlow[p])) - peerBytes[p];
        maxPeerOver = Math.max(maxPeerOver, over);
        sumPeerOver += over;
      }
    }

    List<Flows.Key> trueFlows = topKeys(flows.bytes, i -> new Flows.Key().flow(flows, i));
    List<Flows.Key> trueTalkers =
        topKeys(peerBytes, p -> new Flows.Key().peer(flows, Math.max(0, peerFlow[p])));
    return new Accuracy(
        width,
        depth,
        n,
        peers,
        total,
        relative(flowCount.estimate(), n),
        relative(peerCount.estimate(), peers),
        (double) maxOver / total,
        sumOver / n / total,
        (double) maxPeerOver / total,
        sumPeerOver / peers / total,
        fs.epsilon(),
        recall(topFlows.top(), trueFlows),
        recall(topTalkers.top(), trueTalkers),
        (double) gap(flows.bytes) / total,
        (double) gap(peerBytes) / total);
  }

  private static List<Flows.Key> topKeys(long[] values, IntFunction<Flows.Key> key) {
    Integer[] idx = new Integer[values.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (x, y) -> Long.compare(values[y], values[x]));
    List<Flows.Key> top = new ArrayList<>();
    for (int j = 0; j < K; j++) {
      top.add(key.apply(idx[j]));
    }
    return top;
  }

  /** The K-th largest value less the (K+1)-th: an error below it cannot upset the top K. */
  private static long gap(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length - K] - sorted[sorted.length - K - 1];
  }

  private static String recall(List<HeavyHitters.Entry<Flows.Key>> found, List<Flows.Key> truth) {
    List<Flows.Key> keys = found.stream().map(HeavyHitters.Entry::key).toList();
    long hits = keys.stream().filter(truth::contains).count();
    return hits + "/" + K + (keys.equals(truth) ? ", exact order" : ", order differs");
  }

  /** Mean and max absolute relative error of HLL(p) at {@code distinct} items over seeds. */
  private static double[] precision(int p, int distinct, int seeds) {
    double sum = 0;
    double max = 0;
    for (int seed = 0; seed < seeds; seed++) {
      HyperLogLog hll = new HyperLogLog(p);
      for (long i = 0; i < distinct; i++) {
        hll.add(Hashing.hash64(seed, i));
      }
      double e = Math.abs(relative(hll.estimate(), distinct));
      sum += e;
      max = Math.max(max, e);
    }
    return new double[] {sum / seeds, max};
  }

  private static double relative(long estimate, long actual) {
    return (estimate - actual) / (double) actual;
  }

  private static Speed speed(Flows flows) {
    int n = flows.n;
    long updates = (long) ROUNDS * flows.n;
    Flows.Key probe = new Flows.Key();
    double hash =
        best(
            updates,
            () -> {
              long x = 0;
              for (int r = 0; r < ROUNDS; r++) {
                for (int i = 0; i < n; i++) {
                  x += flows.flowHash(i);
                }
              }
              return x;
            });
    double hll =
        best(
            updates,
            () -> {
              HyperLogLog h = new HyperLogLog(PRECISION);
              for (int r = 0; r < ROUNDS; r++) {
                for (int i = 0; i < n; i++) {
                  h.add(flows.flowHash(i));
                }
              }
              return h.precision();
            });
    double cms =
        best(
            updates,
            () -> {
              CountMinSketch c = CountMinSketch.forError(EPSILON, DELTA);
              for (int r = 0; r < ROUNDS; r++) {
                for (int i = 0; i < n; i++) {
                  c.add(flows.flowHash(i), flows.delta(i, r, ROUNDS));
                }
              }
              return c.total();
            });
    double hh =
        best(
            updates,
            () -> {
              HeavyHitters<Flows.Key> t =
                  new HeavyHitters<>(K, CountMinSketch.forError(EPSILON, DELTA), Flows.Key::copy);
              for (int r = 0; r < ROUNDS; r++) {
                for (int i = 0; i < n; i++) {
                  t.add(probe.flow(flows, i), flows.flowHash(i), flows.delta(i, r, ROUNDS));
                }
              }
              return t.top().size();
            });
    return new Speed(hash, hll, cms, hh);
  }

  static long sink;

  /**
   * CPU nanoseconds per update (the thread's CPU time: less disturbed by other processes on a
   * shared machine than wall time): the best of RUNS timed runs after at least 4M warm-up updates.
   */
  private static double best(long updates, LongSupplier run) {
    for (long warm = 0; warm < 4_000_000 || warm < 2 * updates; warm += updates) {
      sink += run.getAsLong();
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < RUNS; i++) {
      long t0 = threads.getCurrentThreadCpuTime();
      sink += run.getAsLong();
      best = Math.min(best, threads.getCurrentThreadCpuTime() - t0);
    }
    return (double) best / updates;
  }

  private static String report(
      int[] sizes,
      List<Accuracy> acc,
      List<Speed> speed,
      List<Accuracy> shapes,
      List<double[]> precisions) {
    HyperLogLog hll = new HyperLogLog(PRECISION);
    CountMinSketch cms = CountMinSketch.forError(EPSILON, DELTA);
    HeavyHitters<Object> hh = new HeavyHitters<>(K, CountMinSketch.forError(EPSILON, DELTA));
    StringBuilder s = new StringBuilder();
    s.append("# Node agent: sketches (distinct counts, heavy hitters)\n\n");
    s.append(
        String.format(
            Locale.ROOT,
            "Measured %s by `SketchBench`"
                + " (node-agent/src/test/java/io/trafficmonitor/agent/collect/sketch/, not a test):"
                + " %d CPUs, JDK %s (%s), load average %.1f at the end of the run.%n%n",
            LocalDate.now(ZoneOffset.UTC),
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.runtime.version"),
            System.getProperty("java.vm.name"),
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    s.append(
        """
        From the repository root:

        ```
        mvn -B -q -pl node-agent -am test-compile -DskipTests
        mvn -q -pl node-agent dependency:build-classpath -Dmdep.outputFile=/tmp/sk.cp
        java -cp node-agent/target/test-classes:node-agent/target/classes:$(cat /tmp/sk.cp) \\
            %s docs/benchmarks/sketches.md
        ```

        Workload: n distinct flows (48-byte kernel keys), each to one of n/4 peer addresses drawn
        at random, with Zipf(1.1) byte totals (largest 1 GB), streamed as the agent reads the flow
        map: every flow's delta once per collection, %d collections, in key order (sizes are
        assigned to keys at random).
        One HyperLogLog counts flows, one counts peers; one HeavyHitters (with its own Count-Min
        sketch) keeps the top flows, one the top talkers (bytes summed per peer address).

        ## Accuracy

        HLL error: (estimate - actual) / actual. CMS overestimate: estimate - true bytes, over all
        flows (or all peers), relative to N, the total bytes; the guaranteed bound is epsilon * N
        with probability 1 - delta per key. Gap: the 10th largest true sum less the 11th, relative
        to N; while every error stays below it, the top 10 cannot be upset. Top-10: how many of
        the true 10 largest were reported, and whether in the true order.

        """
            .formatted(ROUNDS));
    s.append(
        "| distinct flows | distinct peers | HLL error, flows | HLL error, peers |"
            + " CMS over / N, flows: max, mean | CMS over / N, peers: max, mean | epsilon |"
            + " gap 10th-11th / N, flows, peers | top-10 flows | top-10 talkers |\n");
    s.append("|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (Accuracy a : acc) {
      s.append(
          String.format(
              Locale.ROOT,
              "| %,d | %,d | %+.2f%% | %+.2f%% | %.1e, %.1e | %.1e, %.1e | %.1e | %.1e, %.1e | %s | %s"
                  + " |%n",
              a.flows,
              a.peers,
              100 * a.hllFlows,
              100 * a.hllPeers,
              a.cmsFlowsMax,
              a.cmsFlowsMean,
              a.cmsPeersMax,
              a.cmsPeersMean,
              a.epsilon,
              a.gapFlows,
              a.gapTalkers,
              a.topFlows,
              a.topTalkers));
    }
    s.append("\n## Memory and speed\n\n");
    s.append(
        "Memory: `memoryBytes()`, the same whatever the number of flows. Time: CPU nanoseconds per"
            + " update, hashing the 48-byte flow key included, best of "
            + RUNS
            + " runs after warm-up runs (at least 4M updates), each run a fresh sketch fed "
            + ROUNDS
            + " x n updates.\n\n");
    s.append("| structure | parameters | memory (bytes) |");
    for (int n : sizes) {
      s.append(String.format(Locale.ROOT, " ns/update, %,d flows |", n));
    }
    s.append("\n|---|---|---:|");
    s.append("---:|".repeat(sizes.length)).append('\n');
    row(s, "Hashing.hash64 (6 longs)", "XXH64", 0, speed, Speed::hash);
    row(
        s,
        "HyperLogLog",
        "p = " + PRECISION + " (" + (1 << PRECISION) + " registers)",
        hll.memoryBytes(),
        speed,
        Speed::hll);
    row(
        s,
        "CountMinSketch",
        String.format(
            Locale.ROOT,
            "forError(%s, %s): %d x %d, epsilon %.2e, delta %.2e",
            EPSILON,
            DELTA,
            cms.width(),
            cms.depth(),
            cms.epsilon(),
            cms.delta()),
        cms.memoryBytes(),
        speed,
        Speed::cms);
    row(
        s,
        "HeavyHitters",
        "k = " + K + " over the sketch above (keys not counted)",
        hh.memoryBytes(),
        speed,
        Speed::hh);
    s.append(
        String.format(
            Locale.ROOT,
            "%nPer monitor and node (2 HyperLogLogs, 2 HeavyHitters): %,d bytes.%n",
            2 * hll.memoryBytes() + 2 * hh.memoryBytes()));
    s.append(
        "\n## Choosing the parameters\n\n"
            + "HyperLogLog precision, 100,000 distinct items, 20 seeds: absolute relative error.\n\n"
            + "| p | memory (bytes) | standard error 1.04 / sqrt(2^p) | mean error | max error |\n"
            + "|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < PRECISIONS.length; i++) {
      int p = PRECISIONS[i];
      s.append(
          String.format(
              Locale.ROOT,
              "| %d | %,d | %.2f%% | %.2f%% | %.2f%% |%n",
              p,
              new HyperLogLog(p).memoryBytes(),
              100 * 1.04 / Math.sqrt(1 << p),
              100 * precisions.get(i)[0],
              100 * precisions.get(i)[1]));
    }
    s.append(
        "\nCount-Min shape, 1,000,000 flows to 250,000 peers (the workload above), k = "
            + K
            + ": the largest overestimate over all flows (all peers), relative to N.\n\n"
            + "| width x depth | epsilon | delta | memory (bytes) | flows: max over / N |"
            + " peers: max over / N | top-10 flows | top-10 talkers |\n"
            + "|---|---:|---:|---:|---:|---:|---|---|\n");
    for (Accuracy a : shapes) {
      CountMinSketch c = new CountMinSketch(a.width, a.depth);
      s.append(
          String.format(
              Locale.ROOT,
              "| %d x %d | %.1e | %.1e | %,d | %.1e | %.1e | %s | %s |%n",
              a.width,
              a.depth,
              c.epsilon(),
              c.delta(),
              c.memoryBytes(),
              a.cmsFlowsMax,
              a.cmsPeersMax,
              a.topFlows,
              a.topTalkers));
    }
    s.append(HOW_TO_READ);
    return s.toString();
  }

  private static void row(
      StringBuilder s,
      String name,
      String params,
      long bytes,
      List<Speed> speed,
      ToDoubleFunction<Speed> ns) {
    s.append("| ").append(name).append(" | ").append(params).append(" | ");
    s.append(bytes == 0 ? "—" : String.format(Locale.ROOT, "%,d", bytes)).append(" |");
    for (Speed sp : speed) {
      s.append(String.format(Locale.ROOT, " %.1f |", ns.applyAsDouble(sp)));
    }
    s.append('\n');
  }

  private static final String HOW_TO_READ =
      """

      ## How to read

      The accuracy figures are deterministic (fixed seeds); the times vary with the machine and
      its load: compare them with each other, not across runs.

      **Distinct counts: p = 14, 16 KiB per HyperLogLog.** The standard error is 1.04 / sqrt(2^p)
      = 0.81%, so the 2% budget is 2.5 standard errors (about 99% of estimates), and the worst of
      20 seeds at 100,000 items was 1.15%. p = 12 (4 KiB) misses 2% in some runs, p = 16 (64
      KiB) buys precision no status needs. The error does not grow with the count: the same 16 KiB
      count 10k or 1M (or a billion) items. The estimator (Ertl, 2017) is linear counting at small
      counts, so a quiet monitor gets a nearly exact count, and it has no bias bump where classic
      HyperLogLog switches estimators, so no empirical correction tables are needed.

      **Heavy hitters: Count-Min forError(0.001, 0.01) = 4096 x 5, 160 KiB, k = 10.** A reported
      estimate exceeds the truth by more than epsilon * N with probability at most delta. The top
      10 come out exact, and in order, as long as the errors stay below the gap between the 10th
      and 11th largest sums; on this Zipf(1.1) traffic that gap is about 1e-3 * N, so epsilon must
      be below it: width 4096 gives 6.6e-4 (e / 4096; widths are rounded up to powers of two). Depth
      5 (delta 0.7%) keeps even the worst of a million keys within the bound (3.0e-4 * N); with
      depth 3 (delta 5%) some keys out of a million fall outside it (2.9e-3 * N). Conservative update
      keeps the typical error 20 to 200 times below the bound (mean 3e-6 to 3e-5 * N), which is why
      1024 x 5 (40 KiB) still found the exact top 10 here: the choice if memory matters more than
      the guarantee. A sketch too narrow for the traffic (256 x 3) errs by more than the top flows
      themselves and misses most of them. Heavy flows are found by their sums since the agent
      started, whatever the size of each collection's delta.

      **Cost.** Per monitor and node, two HyperLogLogs and two HeavyHitters hold about 350 KiB,
      fixed, where an exact set of every flow and peer seen since start would grow by about 100
      bytes per flow. An update is a few tens of nanoseconds, most of it the Count-Min's five
      counter reads and writes. Adding a flow to a HyperLogLog again changes nothing, so the agent
      need only add it when it first sees the flow, and feed the heavy hitters only flows whose
      delta is not zero.
      """;
}
