package io.trafficmonitor.agent;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.FakeFlows;
import io.trafficmonitor.agent.collect.FlowSource;
import io.trafficmonitor.agent.collect.MonitorView;
import io.trafficmonitor.agent.collect.Routing;
import io.trafficmonitor.agent.collect.StatusSnapshot;
import io.trafficmonitor.agent.export.AgentMetrics;
import io.trafficmonitor.agent.export.NodeMetrics;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import io.trafficmonitor.datapath.flow.FlowKey;
import io.trafficmonitor.datapath.flow.FlowLayout;
import io.trafficmonitor.datapath.flow.TargetKind;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;

/**
 * Figures of docs/benchmarks/agent.md (root; not a test):
 *
 * <pre>
 * collect FLOWS                   time of one collection of FLOWS flows (real kernel map)
 * steady FLOWS INTERVAL_MS SECS   collection thread CPU and process RSS at an interval, every
 *                                 flow's counters changing 10 times a second
 * monitors M FLOWS [own|shared]   M monitors (MonitorView + AgentMetrics each) on one collector,
 *                                 each counting FLOWS flows of 10 pods: its own pods (M x FLOWS
 *                                 kernel flows) or the same 10 pods for all (FLOWS kernel flows,
 *                                 each counted by all M); see {@link MonitorsMode}
 * </pre>
 *
 * Flows are written into the kernel flow map from user space (no traffic needed), spread over 100
 * pod cgroups; the collector, metrics and top-N run as in the agent.
 */
public final class AgentBench {
  private static final int PODS = 100;

  private AgentBench() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("monitors")) {
      MonitorsMode.run(
          Integer.parseInt(args[1]),
          Integer.parseInt(args[2]),
          args.length > 3 && args[3].equals("shared"));
      return;
    }
    int flows = Integer.parseInt(args[1]);
    try (FlowDatapath dp =
        FlowDatapath.open(
            FlowDatapath.Options.defaults()
                .withMaxFlows(Math.max(1024, flows + flows / 4))
                .withValueMode( // -Dbench.values=AUTO|SHARED|PER_CPU
                    FlowDatapath.ValueMode.valueOf(System.getProperty("bench.values", "AUTO"))))) {
      BpfMap map = dp.object().map(FlowLayout.MAP_FLOWS);
      byte[][] keys = keys(flows, i -> 1000 + i % PODS);
      Map<Long, Target> cgroups = new HashMap<>();
      for (int p = 0; p < PODS; p++) {
        cgroups.put(1000L + p, Target.podCgroup("bench", "pod-" + p));
      }
      TargetIndex index = new TargetIndex(cgroups, Map.of());
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      NodeMetrics node = new NodeMetrics(registry);
      AgentMetrics metrics = new AgentMetrics(node, "bench", "bench");
      Collector collector = new Collector(metrics, 1_000_000_000L);
      FlowSource source = source(dp);
      Runnable bump = bumper(map, keys);
      long idle = 3600_000_000_000L;
      if (args[0].equals("collect")) {
        bump.run();
        long first = collector.collect(source, index, System.nanoTime(), idle).nanos();
        long[] times = new long[20];
        for (int i = 0; i < times.length; i++) {
          bump.run();
          Collector.Result r = collector.collect(source, index, System.nanoTime(), idle);
          times[i] = r.nanos();
          if (r.flows() != flows) {
            throw new IllegalStateException("read " + r.flows() + " of " + flows);
          }
        }
        long[] raw = new long[10];
        for (int i = 0; i < raw.length; i++) {
          long r0 = System.nanoTime();
          dp.readFlowsRaw((k, v, n) -> {});
          raw[i] = System.nanoTime() - r0;
        }
        Arrays.sort(raw);
        System.out.printf("raw batch read of %d flows: median %.1f ms%n", flows, raw[5] / 1e6);
        long t0 = System.nanoTime();
        StatusSnapshot snap = collector.snapshot(10);
        long statusNanos = System.nanoTime() - t0;
        Arrays.sort(times);
        System.out.printf(
            "collect %d flows: first %.1f ms, then min %.1f / median %.1f / max %.1f ms;"
                + " top-10 + snapshot %.1f ms (%d top flows); RSS %d MiB%n",
            flows,
            first / 1e6,
            times[0] / 1e6,
            times[times.length / 2] / 1e6,
            times[times.length - 1] / 1e6,
            statusNanos / 1e6,
            snap.topFlows().size(),
            rssKiB() / 1024);
        return;
      }
      long intervalMs = Long.parseLong(args[2]);
      long seconds = Long.parseLong(args[3]);
      collector.interval(Duration.ofMillis(intervalMs)); // a record per collection
      bump.run();
      Thread updater =
          new Thread(
              () -> {
                while (!Thread.currentThread().isInterrupted()) {
                  bump.run();
                  try {
                    Thread.sleep(100);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      updater.setDaemon(true);
      updater.start();
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      long[] collections = {0};
      long[] cpu = {0};
      long[] sumNanos = {0};
      Thread loop =
          new Thread(
              () -> {
                long end = System.nanoTime() + seconds * 1_000_000_000L;
                long next = System.nanoTime();
                long cpu0 = mx.getCurrentThreadCpuTime();
                while (System.nanoTime() < end) {
                  Collector.Result r = collector.collect(source, index, System.nanoTime(), idle);
                  node.collected(r, dp.maxFlows(), dp.counters());
                  sumNanos[0] += r.nanos();
                  collections[0]++;
                  if (collections[0] % Math.max(1, 1000 / intervalMs) == 0) {
                    collector.snapshot(10); // a status period of about 1 s
                  }
                  next += intervalMs * 1_000_000L;
                  long sleep = next - System.nanoTime();
                  if (sleep > 0) {
                    try {
                      Thread.sleep(sleep / 1_000_000L, (int) (sleep % 1_000_000L));
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                }
                cpu[0] = mx.getCurrentThreadCpuTime() - cpu0;
              },
              "tm-collect");
      long w0 = System.nanoTime();
      loop.start();
      loop.join();
      long wall = System.nanoTime() - w0;
      updater.interrupt();
      registry.scrape();
      System.out.printf(
          "steady %d flows every %d ms for %d s: %d collections, mean %.2f ms;"
              + " collect thread %.2f%% of a core; RSS %d MiB (heap used %d MiB)%n",
          flows,
          intervalMs,
          seconds,
          collections[0],
          sumNanos[0] / 1e6 / Math.max(1, collections[0]),
          100.0 * cpu[0] / wall,
          rssKiB() / 1024,
          (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
    }
  }

  /**
   * {@code monitors M FLOWS [own|shared]}: one collector, M monitors as the agent makes them (a
   * {@link MonitorView} and its {@link AgentMetrics} each, in one registry), every monitor counting
   * every flow of its pods in both directions without filters (the most work per flow). Reports the
   * time of one collection with every flow changed, of one after a new {@link Routing} of the same
   * content (what every reconcile hands over), of the status snapshot of all monitors and of a
   * scrape, and the process RSS.
   */
  static final class MonitorsMode {
    static final int PODS_PER_MONITOR = 10;

    private MonitorsMode() {}

    static void run(int monitors, int flowsPerMonitor, boolean shared) throws Exception {
      int kernelFlows = shared ? flowsPerMonitor : monitors * flowsPerMonitor;
      byte[][] keys =
          keys(
              kernelFlows,
              shared
                  ? i -> 1000 + i % PODS_PER_MONITOR
                  : i -> 1000 + (i / flowsPerMonitor) * PODS_PER_MONITOR + i % PODS_PER_MONITOR);
      try (FlowDatapath dp =
          FlowDatapath.open(
              FlowDatapath.Options.defaults()
                  .withMaxFlows(Math.max(1024, kernelFlows + kernelFlows / 4))
                  .withValueMode(
                      FlowDatapath.ValueMode.valueOf(
                          System.getProperty("bench.values", "AUTO"))))) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        NodeMetrics node = new NodeMetrics(registry);
        Collector collector = new Collector(1_000_000_000L);
        List<MonitorView> views = new ArrayList<>();
        Map<Long, Target> cgroups = new HashMap<>();
        Map<Target, List<Routing.Subscription>> subscriptions = new HashMap<>();
        for (int m = 0; m < monitors; m++) {
          MonitorView view = new MonitorView(collector, new AgentMetrics(node, "bench", "m" + m));
          views.add(view);
          Routing.Subscription all = new Routing.Subscription(view, List.of(), true, true);
          for (int p = 0; p < PODS_PER_MONITOR; p++) {
            long id = 1000 + (shared ? 0 : m * PODS_PER_MONITOR) + p;
            Target t = Target.podCgroup(shared ? "bench" : "bench-" + m, "pod-" + p);
            cgroups.put(id, t);
            subscriptions.computeIfAbsent(t, x -> new ArrayList<>()).add(all);
          }
        }
        TargetIndex index = new TargetIndex(cgroups, Map.of());
        Routing routing = new Routing(index, subscriptions);
        FlowSource source = source(dp);
        Runnable bump = bumper(dp.object().map(FlowLayout.MAP_FLOWS), keys);
        long idle = 3600_000_000_000L;

        bump.run();
        long first = collector.collect(source, routing, System.nanoTime(), idle).nanos();
        long[] changed = new long[20];
        for (int i = 0; i < changed.length; i++) {
          bump.run();
          Collector.Result r = collector.collect(source, routing, System.nanoTime(), idle);
          changed[i] = r.nanos();
          if (r.flows() != kernelFlows) {
            throw new IllegalStateException("read " + r.flows() + " of " + kernelFlows);
          }
        }
        long[] unchanged = new long[10];
        for (int i = 0; i < unchanged.length; i++) {
          unchanged[i] = collector.collect(source, routing, System.nanoTime(), idle).nanos();
        }
        long[] rerouted = new long[10];
        for (int i = 0; i < rerouted.length; i++) {
          routing = new Routing(index, subscriptions); // as every reconcile makes one
          bump.run();
          rerouted[i] = collector.collect(source, routing, System.nanoTime(), idle).nanos();
        }
        long[] snapshots = new long[5];
        for (int i = 0; i < snapshots.length; i++) {
          bump.run();
          collector.collect(source, routing, System.nanoTime(), idle);
          long t0 = System.nanoTime();
          for (MonitorView v : views) {
            v.snapshot(10);
          }
          snapshots[i] = System.nanoTime() - t0;
        }
        long bindings = 0;
        for (MonitorView v : views) {
          if (v.flows() != flowsPerMonitor) {
            throw new IllegalStateException("a monitor counts " + v.flows() + " flows");
          }
          bindings += v.flows();
        }
        StatusSnapshot s0 = views.get(0).snapshot(10);
        long expected = 1500L * (1 + changed.length + rerouted.length + snapshots.length);
        if (s0.rxBytes() + s0.txBytes() != expected * flowsPerMonitor) {
          throw new IllegalStateException(
              "monitor m0 counted " + (s0.rxBytes() + s0.txBytes()) + " bytes");
        }
        long[] scrapes = new long[5];
        int scrapeBytes = 0;
        for (int i = 0; i < scrapes.length; i++) {
          long t0 = System.nanoTime();
          scrapeBytes = registry.scrape().length();
          scrapes[i] = System.nanoTime() - t0;
        }
        System.gc();
        Runtime rt = Runtime.getRuntime();
        System.out.printf(
            "monitors %d x %d flows (%s pods): %d kernel flows, %d monitor-flows%n"
                + "  collection, every flow changed: first %.1f ms, then %s%n"
                + "  collection, nothing changed: %s%n"
                + "  collection after a new Routing of the same content, every flow changed: %s%n"
                + "  status snapshot (top-10) of all %d monitors: %s%n"
                + "  scrape (%d KiB): %s%n"
                + "  RSS %d MiB, heap used after GC %d MiB%n",
            monitors,
            flowsPerMonitor,
            shared ? "the same 10" : "own 10",
            kernelFlows,
            bindings,
            first / 1e6,
            stats(changed),
            stats(unchanged),
            stats(rerouted),
            monitors,
            stats(snapshots),
            scrapeBytes / 1024,
            stats(scrapes),
            rssKiB() / 1024,
            (rt.totalMemory() - rt.freeMemory()) >> 20);
      }
    }

    /** "median M / min m / max x ms". */
    static String stats(long[] nanos) {
      long[] s = nanos.clone();
      Arrays.sort(s);
      return String.format(
          "median %.2f / min %.2f / max %.2f ms (%d runs)",
          s[s.length / 2] / 1e6, s[0] / 1e6, s[s.length - 1] / 1e6, s.length);
    }
  }

  /** What the agent's collector reads: the kernel flow map of {@code dp}. */
  static FlowSource source(FlowDatapath dp) {
    BpfMap map = dp.object().map(FlowLayout.MAP_FLOWS);
    return new FlowSource() {
      @Override
      public void read(BpfMap.BatchVisitor v) {
        dp.readFlowsRaw(v);
      }

      @Override
      public boolean remove(byte[] key, byte[] value) {
        return map.lookupAndDelete(key, value);
      }

      @Override
      public int capacity() {
        return dp.maxFlows();
      }
    };
  }

  /** Each run adds one packet of 1500 bytes to every flow of {@code keys}. */
  static Runnable bumper(BpfMap map, byte[][] keys) {
    long[] round = {0};
    return () -> {
      round[0]++;
      for (byte[] k : keys) {
        map.update(k, value(round[0], map.valueStride()), BpfMap.ANY);
      }
    };
  }

  /** n flow keys (TCP to port 443, half of them ingress), flow i seen at cgroup target(i). */
  static byte[][] keys(int n, IntToLongFunction target) {
    byte[][] out = new byte[n][];
    for (int i = 0; i < n; i++) {
      byte[] src = FakeFlows.mapped("10.50." + (i >> 8 & 0xff) + "." + (i & 0xff));
      byte[] dst = FakeFlows.mapped("10.60.0." + (i % 200 + 1));
      out[i] =
          new FlowKey(
                  src,
                  dst,
                  1024 + i % 60000,
                  443,
                  6,
                  4,
                  TargetKind.CGROUP,
                  target.applyAsLong(i),
                  i % 2 == 0 ? Direction.EGRESS : Direction.INGRESS)
              .encode();
    }
    return out;
  }

  /** A flows-map value (stride bytes: one copy per CPU for per-CPU values; the first used). */
  private static byte[] value(long round, int stride) {
    long now = System.nanoTime();
    return ByteBuffer.allocate(stride)
        .order(ByteOrder.nativeOrder())
        .putLong(FlowLayout.STATS_BYTES, 1500 * round)
        .putLong(FlowLayout.STATS_PACKETS, round)
        .putLong(FlowLayout.STATS_FIRST_SEEN, now)
        .putLong(FlowLayout.STATS_LAST_SEEN, now)
        .array();
  }

  static long rssKiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
