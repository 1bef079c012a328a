package io.trafficmonitor.agent.export;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.agent.collect.RateWindow;
import io.trafficmonitor.agent.collect.Series;
import io.trafficmonitor.agent.collect.TcpCollector;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.api.agent.AgentEnvironment;
import io.trafficmonitor.datapath.tcp.CgroupTcpStats;
import io.trafficmonitor.datapath.tcp.TcpLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The figures of docs/benchmarks/cardinality.md (test sources, not a test): fills a series budget
 * with pods of MONITORS monitors, each pod with TCP both ways and UDP in at its cgroup and its veth
 * and its TCP figures, one after the other until a pod's own series are refused; prints what the
 * budget holds, the live heap of the series and the size and time of a scrape.
 *
 * <pre>
 * java -Xmx64m -XX:+UseSerialGC -cp $CP io.trafficmonitor.agent.export.CardinalityBench [MAX_SERIES] [MONITORS]
 * </pre>
 */
public final class CardinalityBench {
  private CardinalityBench() {}

  /** What the agent's views hold: the meters only weakly reference their series and rates. */
  private static final List<Object> HELD = new ArrayList<>();

  public static void main(String[] args) {
    int max = args.length > 0 ? Integer.parseInt(args[0]) : AgentEnvironment.DEFAULT_MAX_SERIES;
    int monitorCount = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    NodeMetrics node = new NodeMetrics(registry, max);
    SeriesBudget budget = node.budget();
    AgentMetrics[] monitors = new AgentMetrics[monitorCount];
    TcpCollector[] tcp = new TcpCollector[monitorCount];
    for (int i = 0; i < monitorCount; i++) {
      monitors[i] = new AgentMetrics(node, "shop", "m" + i);
      tcp[i] = new TcpCollector(monitors[i]);
    }
    registry.scrape(); // the scrape's classes loaded, the node's own families made
    long heapBefore = liveHeap(memory);
    long[] none = new long[TcpLayout.HIST_BUCKETS];
    int full = 0;
    int withoutLink = 0;
    for (int p = 0; ; p++) {
      AgentMetrics m = monitors[p % monitorCount];
      Target pod = Target.podCgroup("shop", "pod-" + p);
      long usedBefore = budget.used();
      long linkRefused = budget.refused(SeriesBudget.Kind.POD_LINK);
      add(m, pod);
      if (budget.refused(SeriesBudget.Kind.POD) > 0) {
        break;
      }
      add(m, Target.podVeth("shop", "pod-" + p, "veth" + p));
      long cgroup = 1000L + p;
      tcp[p % monitorCount].collect(
          Map.of(cgroup, new CgroupTcpStats(1, 0, 1, 200, 1, 0, 1, 5000, 4, 0, none, none)),
          Map.of(),
          new TargetIndex(Map.of(cgroup, pod), Map.of()),
          0);
      if (budget.refused(SeriesBudget.Kind.TCP) > 0) {
        break;
      }
      if (budget.refused(SeriesBudget.Kind.POD_LINK) > linkRefused) {
        withoutLink++;
      } else {
        full++;
      }
      if (budget.used() == usedBefore) {
        break;
      }
    }
    long heapAfter = liveHeap(memory);
    long[] nanos = new long[7];
    int bytes = 0;
    for (int i = 0; i < nanos.length; i++) {
      long t0 = System.nanoTime();
      bytes = registry.scrape().length();
      nanos[i] = System.nanoTime() - t0;
    }
    Arrays.sort(nanos);
    System.out.printf("| max series | %d |%n", max);
    System.out.printf("| monitors | %d |%n", monitorCount);
    System.out.printf("| pod-monitor pairs with every group | %d |%n", full);
    System.out.printf("| pod-monitor pairs without pod_link | %d |%n", withoutLink);
    System.out.printf("| samples exported | %d |%n", budget.used());
    System.out.printf("| meters in the registry | %d |%n", registry.getMeters().size());
    System.out.printf(
        "| live heap of the pods' series | %.1f MiB |%n", (heapAfter - heapBefore) / 1048576.0);
    System.out.printf("| scrape size | %.1f MiB |%n", bytes / 1048576.0);
    System.out.printf("| scrape time, median of %d | %.0f ms |%n", nanos.length, nanos[3] / 1e6);
  }

  /** A pod's groups at one hook: TCP both ways and UDP in, and the two rates. */
  private static void add(AgentMetrics m, Target t) {
    for (String[] dp : new String[][] {{"egress", "TCP"}, {"ingress", "TCP"}, {"ingress", "UDP"}}) {
      Series s = new Series(new Series.Key(t, dp[0], dp[1]));
      HELD.add(s);
      m.seriesAdded(s);
    }
    for (String dir : List.of("egress", "ingress")) {
      RateWindow r = new RateWindow(1_000_000_000L);
      HELD.add(r);
      m.rateAdded(t, dir, r);
    }
  }

  private static long liveHeap(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
