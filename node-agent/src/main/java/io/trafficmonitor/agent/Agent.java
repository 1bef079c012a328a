package io.trafficmonitor.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.trafficmonitor.agent.attach.Datapath;
import io.trafficmonitor.agent.collect.Checkpointing;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.IntervalRecords;
import io.trafficmonitor.agent.collect.Routing;
import io.trafficmonitor.agent.export.NodeMetrics;
import io.trafficmonitor.agent.export.Snapshots;
import io.trafficmonitor.agent.spec.MonitorSettings;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.watch.MonitorWatch;
import io.trafficmonitor.agent.watch.PodWatch;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.agent.RealtimeReport;
import io.trafficmonitor.api.agent.SummaryReport;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The node agent: one per node, serving every TrafficMonitor that selects the node. It watches the
 * monitors, the pods of its node and its Node; keeps one set of programs attached to the union of
 * what the monitors select (a packet is accounted once in the kernel); collects at the shortest
 * interval any monitor asks for and hands each flow to the monitors that count it ({@link
 * Routing}); and writes each monitor's entry of {@code status.nodes} at that monitor's status
 * interval. Plain Java: tests drive it without Quarkus; {@code app/} wires it into Quarkus.
 *
 * <p>It owns the three threads and what starts and stops them; each thread's job is a class of its
 * own: reconcile (informer events, coalesced, plus a periodic resync) runs {@link
 * Serving#reconcile}, collect runs {@link CollectLoop}, and status runs {@link StatusLoop} (API
 * calls never delay a collection).
 *
 * <p>Locks: the serving lock (a reconcile, the TCP figures of a collection and of a status round,
 * close), then the collector's (a collection, a resize of the flow map); never the other way round.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Agent.class);

  private final AgentConfig config;
  private final KubernetesClient client;
  private final MonitorWatch monitors;
  private final PodWatch pods;
  private final Datapath datapath;
  private final Checkpointing checkpoints;
  private final ScheduledExecutorService reconcileThread = thread("tm-reconcile");
  private final ScheduledExecutorService collectThread = thread("tm-collect");
  private final ScheduledExecutorService statusThread = thread("tm-status");
  private final Serving serving;
  private final CollectLoop collectLoop;
  private final StatusLoop statusLoop;
  private final AtomicBoolean reconcilePending = new AtomicBoolean();

  /**
   * Set once every informer has synced: a reconcile before that would see no monitor, take the node
   * for unselected and remove what a previous agent left pinned for this one.
   */
  private volatile boolean informed;

  public Agent(AgentConfig config, KubernetesClient client, MeterRegistry registry) {
    this.config = config;
    this.client = client;
    NodeMetrics nodeMetrics = new NodeMetrics(registry, config.maxSeries());
    Collector collector = new Collector(Duration.ofSeconds(1).toNanos());
    this.monitors = new MonitorWatch(client, config.nodeName(), config.watchNamespace());
    this.pods = new PodWatch(config.nodeName());
    this.datapath = new Datapath(collector, config.nodeNetns(), config.hostProc(), config.pinDir());
    this.checkpoints =
        new Checkpointing(
            collector, config.pinDir().isPresent() ? config.stateDir().orElse(null) : null);
    this.serving =
        new Serving(
            config,
            client,
            nodeMetrics,
            collector,
            monitors,
            pods,
            datapath,
            checkpoints,
            statusThread);
    this.collectLoop =
        new CollectLoop(
            serving, collector, datapath, checkpoints, nodeMetrics, collectThread, this::trigger);
    this.statusLoop = new StatusLoop(serving, datapath, config, statusThread);
  }

  private static ScheduledExecutorService thread(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /** Starts watching, attaching, collecting and reporting. */
  public void start() {
    LOG.infof(
        "agent of node %s starting, serving the TrafficMonitors of %s",
        config.nodeName(), config.watchNamespace().orElse("all namespaces"));
    serving.probeKernel();
    monitors.start(this::trigger);
    pods.start(client, this::trigger);
    informed = true;
    reconcileThread.scheduleWithFixedDelay(
        this::trigger, 0, config.resyncInterval().toMillis(), TimeUnit.MILLISECONDS);
    collectThread.schedule(collectLoop::run, 0, TimeUnit.MILLISECONDS);
    statusThread.schedule(statusLoop::run, 0, TimeUnit.MILLISECONDS);
  }

  /** Asks for a reconcile; many asks before it runs make one. */
  public void trigger() {
    if (reconcilePending.compareAndSet(false, true)) {
      reconcileThread.execute(
          () -> {
            reconcilePending.set(false);
            reconcile();
          });
    }
  }

  /** Runs a reconcile on the reconcile thread and waits for it (tests). */
  public void reconcileNow() throws Exception {
    reconcileThread.submit(this::reconcile).get(60, TimeUnit.SECONDS);
  }

  private void reconcile() {
    if (!informed) {
      return; // start() triggers one when every informer has synced
    }
    try {
      serving.reconcile();
    } catch (RuntimeException e) {
      LOG.errorf(e, "reconcile failed (retrying at the next event or resync)");
    }
  }

  /** Collects once now, on the collect thread (tests). */
  public void collectNow() throws Exception {
    collectLoop.collectNow();
  }

  /**
   * Writes every served monitor's entry now, on the status thread (tests); returns the entry of the
   * only monitor served, or null.
   */
  public NodeStatus writeStatusNow() throws Exception {
    return statusLoop.writeNow();
  }

  /**
   * The latest entry of every monitor served (those built at least once), as {@code GET
   * /api/v1/status} answers it: what the operator pulls.
   */
  public AgentReport report() {
    return statusLoop.report();
  }

  /**
   * The interval records after {@code after} of monitor {@code namespace/name} ({@code namespace}
   * null: a ClusterTrafficMonitor) on this node, or null when the agent does not serve it.
   */
  public IntervalReport intervals(String namespace, String name, long after) {
    MonitorRuntime rt = serving.runtimes().get(MonitorRuntime.key(namespace, name));
    if (rt == null) {
      return null;
    }
    IntervalRecords.Since since = rt.view.records().since(after);
    List<IntervalReport.Interval> records = new ArrayList<>(since.records().size());
    for (IntervalRecords.Record r : since.records()) {
      List<IntervalReport.Counts> pods = new ArrayList<>();
      List<IntervalReport.Counts> interfaces = new ArrayList<>();
      for (IntervalRecords.TargetCounts c : r.targets()) {
        Target t = c.target();
        boolean pod = t.kind() == Target.Kind.POD_CGROUP;
        (pod ? pods : interfaces)
            .add(
                new IntervalReport.Counts(
                    pod ? t.namespace() : null,
                    pod ? t.pod() : t.iface(),
                    c.rxBytes(),
                    c.txBytes(),
                    c.rxPackets(),
                    c.txPackets()));
      }
      records.add(
          new IntervalReport.Interval(
              r.seq(),
              Instant.ofEpochSecond(0, r.endEpochNanos()).toString(),
              r.durationNanos(),
              r.rxBytes(),
              r.txBytes(),
              r.rxPackets(),
              r.txPackets(),
              pods,
              interfaces));
    }
    return new IntervalReport(
        config.nodeName(),
        namespace,
        name,
        rt.settings.interval().toNanos(),
        since.first(),
        since.last(),
        since.missed(),
        records);
  }

  /**
   * The current rates of monitor {@code namespace/name} ({@code namespace} null: a
   * ClusterTrafficMonitor) on this node, or null when the agent does not serve it. Costs a walk of
   * the records of the last second ({@link RealtimeReport#WINDOW_NANOS}: at most 100 at the
   * shortest interval) and of their targets; the top flows are the last status entry's, so no flow
   * is walked.
   */
  public RealtimeReport realtime(String namespace, String name) {
    MonitorRuntime rt = serving.runtimes().get(MonitorRuntime.key(namespace, name));
    if (rt == null) {
      return null;
    }
    return Snapshots.realtime(
        new Snapshots.Monitor(config.nodeName(), namespace, name),
        rt.settings.interval().toNanos(),
        rt.settings.statusInterval().toNanos(),
        rt.view.records().latest(RealtimeReport.WINDOW_NANOS),
        rt.lastStatus,
        Instant.now());
  }

  /**
   * The totals of monitor {@code namespace/name} on this node since its counters began, or null
   * when the agent does not serve it. Costs a walk of its series (a few per pod and interface),
   * under the collector's lock, as a collection does; no flow is walked.
   */
  public SummaryReport summary(String namespace, String name) {
    MonitorRuntime rt = serving.runtimes().get(MonitorRuntime.key(namespace, name));
    if (rt == null) {
      return null;
    }
    return Snapshots.summary(
        new Snapshots.Monitor(config.nodeName(), namespace, name), rt.view.totals(), Instant.now());
  }

  /** Ready once the monitors are read and, when one selects the node, the programs loaded. */
  public boolean isReady() {
    return serving.ready();
  }

  /** Whether /metrics may be served: after the first collection ({@link CollectLoop}). */
  public boolean metricsReady() {
    return collectLoop.metricsReady();
  }

  /** Live unless collections stopped for longer than three intervals (and 5 s). */
  public boolean isLive() {
    return collectLoop.live();
  }

  /** The settings of the only monitor served (tests), or null. */
  public MonitorSettings settings() {
    Map<String, MonitorRuntime> served = serving.runtimes();
    return served.size() == 1 ? served.values().iterator().next().settings : null;
  }

  /**
   * The settings this agent applies for monitor {@code namespace/name} (namespace null: a
   * ClusterTrafficMonitor), or null.
   */
  public MonitorSettings settings(String namespace, String name) {
    MonitorRuntime rt = serving.runtimes().get(MonitorRuntime.key(namespace, name));
    return rt == null ? null : rt.settings;
  }

  /** Errors of the served monitors, each prefixed with the monitor's namespace/name. */
  public List<String> errors() {
    List<String> out = new ArrayList<>();
    for (MonitorRuntime rt : serving.runtimes().values()) {
      rt.errors.forEach(e -> out.add(rt.key() + ": " + e));
    }
    return out;
  }

  /** The monitors served, as namespace/name (name alone for a ClusterTrafficMonitor). */
  public Set<String> served() {
    return serving.runtimes().keySet();
  }

  public Optional<Path> nodeNetns() {
    return config.nodeNetns();
  }

  /** Whether the agent's DaemonSet is gone or being deleted (unknown: no). */
  private boolean uninstalling() {
    if (config.daemonSet().isEmpty()) {
      return false;
    }
    String[] ns = config.daemonSet().get().split("/", 2);
    try {
      var ds = client.apps().daemonSets().inNamespace(ns[0]).withName(ns[1]).get();
      return ds == null || ds.getMetadata().getDeletionTimestamp() != null;
    } catch (RuntimeException e) {
      LOG.warnf("cannot tell whether the agent is being uninstalled: %s", e.getMessage());
      return false;
    }
  }

  /**
   * Stops the loops and informers. With a pin directory, unless the agent's DaemonSet is gone or
   * being deleted (an uninstall), the kernel state stays for the next agent: a last collection and
   * checkpoint, then only this process's references go. Otherwise everything is detached and the
   * programs unloaded.
   */
  @Override
  public void close() {
    boolean keep = config.pinDir().isPresent() && !uninstalling();
    LOG.infof(
        "agent stopping: %s",
        keep ? "leaving the pinned kernel state for the next agent" : "detaching everything");
    for (ScheduledExecutorService e : List.of(statusThread, collectThread, reconcileThread)) {
      e.shutdownNow();
      try {
        e.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
    monitors.close();
    pods.close();
    synchronized (serving) { // the serving lock: no reconcile still running
      if (keep) {
        collectLoop.collectLast();
      }
      datapath.close(keep);
      serving.closePeerNames();
      if (!keep) {
        checkpoints.delete(); // an uninstall: no agent will continue from it
      }
    }
  }
}
