package io.trafficmonitor.agent;

import static io.trafficmonitor.agent.Serving.IDLE_POLL_NANOS;

import io.trafficmonitor.agent.attach.Datapath;
import io.trafficmonitor.agent.collect.Checkpointing;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.FlowSource;
import io.trafficmonitor.agent.collect.MonitorView;
import io.trafficmonitor.agent.export.NodeMetrics;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import io.trafficmonitor.datapath.tcp.CgroupTcpStats;
import io.trafficmonitor.datapath.tcp.DropKey;
import io.trafficmonitor.datapath.tcp.TcpHealth;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The collect thread's job: a collection at the shortest interval any served monitor asks for (the
 * flow map through the {@link Collector}, then the TCP figures of each monitor), and the checkpoint
 * written when due. Also what the liveness and /metrics readiness are judged by: when the last
 * collection ran, and whether one has run.
 */
final class CollectLoop {
  private static final Logger LOG = Logger.getLogger(CollectLoop.class);

  private final Serving serving;
  private final Collector collector;
  private final Datapath datapath;
  private final Checkpointing checkpoints;
  private final NodeMetrics nodeMetrics;
  private final ScheduledExecutorService collectThread;

  /** Asks for a reconcile: a flow of a target not resolved yet (a new container cgroup, say). */
  private final Runnable trigger;

  /** The serving lock: the TCP figures are read while no reconcile opens or closes them. */
  private final Object lock;

  private volatile boolean collectedOnce;
  private volatile long lastCollect;
  private volatile long lastUnresolvedTrigger;

  CollectLoop(
      Serving serving,
      Collector collector,
      Datapath datapath,
      Checkpointing checkpoints,
      NodeMetrics nodeMetrics,
      ScheduledExecutorService collectThread,
      Runnable trigger) {
    this.serving = serving;
    this.collector = collector;
    this.datapath = datapath;
    this.checkpoints = checkpoints;
    this.nodeMetrics = nodeMetrics;
    this.collectThread = collectThread;
    this.trigger = trigger;
    this.lock = serving;
  }

  /** The shortest interval any served monitor asks for. */
  private static long collectInterval(Map<String, MonitorRuntime> served) {
    long next = Long.MAX_VALUE;
    for (MonitorRuntime rt : served.values()) {
      next = Math.min(next, rt.settings.interval().toNanos());
    }
    return next == Long.MAX_VALUE ? IDLE_POLL_NANOS : next;
  }

  /** One round of the loop: collects when a monitor is served, then schedules the next round. */
  void run() {
    long start = System.nanoTime();
    long next = IDLE_POLL_NANOS;
    try {
      Map<String, MonitorRuntime> served = serving.runtimes();
      if (!served.isEmpty()) {
        collectOnce(served);
        next = collectInterval(served);
      }
    } catch (RuntimeException e) {
      LOG.errorf(e, "collection failed");
    } finally {
      long delay = Math.max(0, start + next - System.nanoTime());
      if (!collectThread.isShutdown()) {
        collectThread.schedule(this::run, delay, TimeUnit.NANOSECONDS);
      }
    }
  }

  private void collectOnce(Map<String, MonitorRuntime> served) {
    long idle = 0;
    for (MonitorRuntime rt : served.values()) {
      idle = Math.max(idle, rt.settings.idleTimeout().toNanos());
    }
    long now;
    Collector.Result r;
    FlowSource src;
    // never the serving lock inside the collector's: a resize takes them the other way round
    synchronized (collector) { // not while a resize switches maps
      src = datapath.source();
      if (src == null || datapath.flows() == null) {
        return;
      }
      now = System.nanoTime();
      r = collector.collect(src, serving.routing(), now, idle);
    }
    synchronized (lock) { // not while the TCP health tracepoints close, nor during a reconcile
      TcpHealth tcpHealth = datapath.tcpHealth();
      if (tcpHealth != null) {
        Map<Long, CgroupTcpStats> cgroups = tcpHealth.cgroups();
        Map<DropKey, Long> drops = tcpHealth.drops();
        long nodeNetns = datapath.nodeNetnsInode();
        for (MonitorRuntime rt : served.values()) {
          rt.tcp.collect(cgroups, drops, rt.index, rt.nodeDrops() ? nodeNetns : -1);
        }
      }
    }
    FlowDatapath dp = datapath.flows();
    if (dp == null) {
      return; // closed meanwhile
    }
    nodeMetrics.collected(r, src.capacity(), dp.counters());
    lastCollect = now;
    collectedOnce = true;
    if (r.evicted() > 0) {
      checkpoints.due(); // the kernel no longer has what was attributed of them
    }
    checkpoint(now, false);
    if (r.unresolved() > 0 && now - lastUnresolvedTrigger > 1_000_000_000L) {
      lastUnresolvedTrigger = now; // a new container cgroup, say: resolve again
      trigger.run();
    }
  }

  /** Writes the checkpoint when due (flows left the kernel, or every few seconds). */
  private void checkpoint(long now, boolean force) {
    FlowDatapath dp = datapath.flows();
    if (dp != null) {
      checkpoints.write(now, force, dp, this::views);
    }
  }

  /** The views of the monitors served, by uid: what a checkpoint keeps. */
  private Map<String, MonitorView> views() {
    Map<String, MonitorView> views = new LinkedHashMap<>();
    serving.runtimes().values().forEach(rt -> views.put(rt.uid, rt.view));
    return views;
  }

  /** Collects once now, on the collect thread (tests). */
  void collectNow() throws Exception {
    collectThread
        .submit(
            () -> {
              Map<String, MonitorRuntime> served = serving.runtimes();
              if (!served.isEmpty()) {
                collectOnce(served);
              }
            })
        .get(30, TimeUnit.SECONDS);
  }

  /**
   * A last collection and a checkpoint, for the next agent to continue from; the caller holds the
   * serving lock and stopped the collect thread.
   */
  void collectLast() {
    FlowSource source = datapath.source();
    if (datapath.flows() != null && source != null) {
      try {
        collector.collect(source, serving.routing(), System.nanoTime(), Long.MAX_VALUE);
      } catch (RuntimeException e) {
        LOG.warnf("last collection failed: %s", e.getMessage());
      }
      checkpoint(System.nanoTime(), true);
    }
  }

  /**
   * Whether /metrics may be served: after the first collection, so that counters continued from a
   * checkpoint are never scraped below what the previous agent exported (a scrape would take that
   * for a counter reset and count everything again).
   */
  boolean metricsReady() {
    return collectedOnce || serving.runtimes().isEmpty();
  }

  /** Live unless collections stopped for longer than three intervals (and 5 s). */
  boolean live() {
    Map<String, MonitorRuntime> served = serving.runtimes();
    if (served.isEmpty() || lastCollect == 0) {
      return true;
    }
    long limit = Math.max(3 * collectInterval(served), 5_000_000_000L);
    return System.nanoTime() - lastCollect < limit;
  }
}
