package io.trafficmonitor.agent.collect.sketch;

import io.trafficmonitor.api.v1alpha1.IpPrefix;
import io.trafficmonitor.api.v1alpha1.PrefixSettings;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Memory, CPU and accuracy of the heavy-prefix counters (one direction, both families) on {@link
 * PlantedPrefixes} traffic of 20k, 100k and 1M addresses. Writes a Markdown report (not a test):
 *
 * <pre>
 * java -cp node-agent/target/test-classes:node-agent/target/classes:crds/target/classes:$(cat /tmp/sk.cp) \
 *     io.trafficmonitor.agent.collect.sketch.PrefixBench docs/benchmarks/prefixes.md
 * </pre>
 */
public final class PrefixBench {
  static final int K = PrefixSettings.COUNTERS;
  static final double PHI = PrefixSettings.DEFAULT_THRESHOLD;
  static final int ROUNDS = 4;
  static final int RUNS = 7;

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks/prefixes.md");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    List<String> rows = new ArrayList<>();
    for (int n : new int[] {20_000, 100_000, 1_000_000}) {
      PlantedPrefixes t = PlantedPrefixes.generate(n, 100_000_000_000L, 15);
      Map<IpPrefix, Long> exact = t.exact(PHI);
      PrefixHeavyHitters hhh = fresh();
      t.feed(hhh, ROUNDS, 7);
      Set<IpPrefix> got =
          hhh.heavy(hhh.total(), PHI, 128).stream()
              .map(PrefixHeavyHitters.Heavy::prefix)
              .collect(Collectors.toSet());
      double[] pr = PlantedPrefixes.precisionRecall(got, exact.keySet());
      double worst = 0;
      for (PrefixHeavyHitters.Heavy h : hhh.heavy(hhh.total(), PHI, 128)) {
        if (exact.containsKey(h.prefix())) {
          worst = Math.max(worst, Math.abs(h.bytes() - exact.get(h.prefix())) / (double) t.total);
        }
      }
      // CPU per update: an address's delta into every length of its family (4 or 5 counters)
      double best = Double.MAX_VALUE;
      long sink = 0;
      for (int run = 0; run < RUNS + 3; run++) {
        PrefixHeavyHitters h = fresh();
        long t0 = mx.getCurrentThreadCpuTime();
        for (int r = 0; r < ROUNDS; r++) {
          for (int i = 0; i < t.n; i++) {
            h.add(t.v6[i], t.hi[i], t.lo[i], 1 + (t.bytes[i] >>> 2));
          }
        }
        long dt = mx.getCurrentThreadCpuTime() - t0;
        sink += h.total();
        if (run >= 3) {
          best = Math.min(best, (double) dt / (ROUNDS * (long) t.n));
        }
      }
      long t0 = mx.getCurrentThreadCpuTime();
      int lists = 0;
      for (; lists < 200; lists++) {
        sink += hhh.heavy(hhh.total(), PHI * PrefixSettings.NODE_FRACTION, 128).size();
      }
      double listMicros = (mx.getCurrentThreadCpuTime() - t0) / 1e3 / lists;
      rows.add(
          String.format(
              Locale.ROOT,
              "| %,d | %d | %.3f | %.3f | %.1e | %.0f | %.0f | %.0f |%s",
              n,
              exact.size(),
              pr[0],
              pr[1],
              worst,
              best,
              2 * best,
              listMicros,
              sink == 42 ? " " : ""));
    }
    PrefixHeavyHitters v4 = fresh();
    v4.add(false, 0, 1, 1);
    PrefixHeavyHitters both = fresh();
    both.add(false, 0, 1, 1);
    both.add(true, 1, 1, 1);
    long heap = measuredHeap();
    StringBuilder md = new StringBuilder();
    md.append("# Node agent: heavy prefixes (spec.prefixes)\n\n")
        .append("Measured ")
        .append(LocalDate.now(ZoneOffset.UTC))
        .append(" by `PrefixBench` (node-agent/src/test/java/io/trafficmonitor/agent/collect/")
        .append("sketch/, not a test): ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" CPUs, JDK ")
        .append(System.getProperty("java.vm.version"))
        .append(", load average ")
        .append(
            String.format(
                Locale.ROOT,
                "%.1f",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
        .append(" at the end of the run. JMH is in the root pom's dependencyManagement but not")
        .append(" in the offline Maven repository, so this is a plain main, as `SketchBench`.\n\n")
        .append("From the repository root:\n\n```\n")
        .append("mvn -B -q -o -pl node-agent -am test-compile -DskipTests\n")
        .append(
            "mvn -q -o -pl node-agent dependency:build-classpath -Dmdep.outputFile=/tmp/sk.cp\n")
        .append(
            "java -cp node-agent/target/test-classes:node-agent/target/classes:crds/target/classes:$(cat /tmp/sk.cp) \\\n")
        .append("    " + PrefixBench.class.getName() + " docs/benchmarks/prefixes.md\n```\n\n")
        .append("Workload (`PlantedPrefixes`): n addresses, 63% of the bytes in 8 planted prefixes")
        .append(" (10.1.2.3/32 12%, 10.1.2.0/24 8%, 172.16.0.0/16 7%, 100.0.0.0/8 6%,")
        .append(" 192.168.7.0/24 9%, 2001:db8:1::/48 9%, fd00::1/128 6%, 2600::/16 6%; each but")
        .append(
            " the /32 and /128 spread over 100 to 5,000 addresses), 30% on random IPv4 and 7% on")
        .append(" random IPv6 addresses with Zipf(0.8) sizes; each address's bytes fed as ")
        .append(ROUNDS)
        .append(" deltas (collections), each round in a shuffled order. k = ")
        .append(K)
        .append(" counters per prefix length and family.\n\n")
        .append("## Accuracy and CPU\n\n")
        .append("Precision and recall: the conditioned heavy hitters at 5% against the exact ones")
        .append(" (brute force over every prefix). Share error: the largest |bytes - exact| / N")
        .append(" over the prefixes found (the bound is (1 + listed children) / k, 1/k = ")
        .append(String.format(Locale.ROOT, "%.1e", 1.0 / K))
        .append("). ns/update: CPU time of one address's delta into its family's lengths (4 for")
        .append(" IPv4, 5 for IPv6), best of ")
        .append(RUNS)
        .append(" runs after 3 warm-up runs; a flow's delta is two updates (source, destination).")
        .append(
            " List: CPU time of one node listing at threshold/2 (once per status interval).\n\n")
        .append("| addresses | exact heavy prefixes | precision | recall | share error / N |")
        .append(" ns/update (one address) | ns per flow delta (source + destination) |")
        .append(" list (us) |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    rows.forEach(r -> md.append(r).append('\n'));
    md.append("\n## Memory\n\n")
        .append(
            "| counters in use | memoryBytes() per direction | per monitor and node (2 directions) |\n")
        .append("|---|---:|---:|\n")
        .append(
            String.format(
                Locale.ROOT,
                "| none (no traffic, or prefixes off) | %,d | %,d |%n",
                fresh().memoryBytes(),
                2 * fresh().memoryBytes()))
        .append(
            String.format(
                Locale.ROOT,
                "| IPv4 only: 4 lengths x %d | %,d | %,d |%n",
                K,
                v4.memoryBytes(),
                2 * v4.memoryBytes()))
        .append(
            String.format(
                Locale.ROOT,
                "| IPv4 and IPv6: 9 lengths x %d (the bound) | %,d | %,d |%n",
                K,
                both.memoryBytes(),
                2 * both.memoryBytes()))
        .append(
            String.format(
                Locale.ROOT,
                "%nMeasured on the heap (used heap after GC, 200 monitors' worth of both"
                    + " directions, both families, each filled with 2,000 random addresses): %,d bytes"
                    + " per monitor and node.%n",
                heap));
    Files.writeString(out, md.toString());
    System.out.print(md);
  }

  /** Heap per monitor (both directions, both families, every counter taken), from GC'd heap. */
  private static long measuredHeap() {
    Runtime rt = Runtime.getRuntime();
    int monitors = 200;
    gc();
    long before = rt.totalMemory() - rt.freeMemory();
    List<PrefixHeavyHitters> kept = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(1);
    for (int m = 0; m < 2 * monitors; m++) {
      PrefixHeavyHitters h = fresh();
      for (int i = 0; i < 2_000; i++) {
        h.add(i % 2 == 0, rnd.nextLong(), rnd.nextLong(), 1);
      }
      kept.add(h);
    }
    gc();
    long after = rt.totalMemory() - rt.freeMemory();
    return (after - before) / monitors + (kept.size() == 0 ? 1 : 0);
  }

  private static void gc() {
    for (int i = 0; i < 4; i++) {
      System.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static PrefixHeavyHitters fresh() {
    return new PrefixHeavyHitters(K, PrefixSettings.IPV4_LENGTHS, PrefixSettings.IPV6_LENGTHS);
  }
}
