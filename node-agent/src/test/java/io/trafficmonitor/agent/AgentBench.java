package io.trafficmonitor.agent;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Figures of docs/benchmarks/agent.md (root; not a test):
 *
 * <pre>
 * collect FLOWS                   time of one collection of FLOWS flows (real kernel map)
 * steady FLOWS INTERVAL_MS SECS   collection thread CPU and process RSS at an interval, every
 *                                 flow's counters changing 10 times a second
 * </pre>
 *
 * Flows are written into the kernel flow map from user space (no traffic needed), spread over 100
 * pod cgroups; the collector, metrics and top-N run as in the agent.
 */
public final class AgentBench {
  private static final int PODS = 100;

  private AgentBench() {}

  public static void main(String[] args) throws Exception {
    int flows = Integer.parseInt(args[1]);
    try (FlowDatapath dp =
        FlowDatapath.open(
            FlowDatapath.Options.defaults()
                .withMaxFlows(Math.max(1024, flows + flows / 4))
                .withValueMode( // -Dbench.values=AUTO|SHARED|PER_CPU
                    FlowDatapath.ValueMode.valueOf(System.getProperty("bench.values", "AUTO"))))) {
      BpfMap map = dp.object().map(FlowLayout.MAP_FLOWS);
      byte[][] keys = keys(flows);
      Map<Long, Target> cgroups = new HashMap<>();
      for (int p = 0; p < PODS; p++) {
        cgroups.put(1000L + p, Target.podCgroup("bench", "pod-" + p));
      }
      TargetIndex index = new TargetIndex(cgroups, Map.of());
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      NodeMetrics node = new NodeMetrics(registry);
      AgentMetrics metrics = new AgentMetrics(node, "bench", "bench");
      Collector collector = new Collector(metrics, 1_000_000_000L);
      FlowSource source =
          new FlowSource() {
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
      long[] round = {0};
      Runnable bump =
          () -> {
            round[0]++;
            for (byte[] k : keys) {
              map.update(k, value(round[0], map.valueStride()), BpfMap.ANY);
            }
          };
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

  private static byte[][] keys(int n) {
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
                  1000 + i % PODS,
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

  private static long rssKiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
