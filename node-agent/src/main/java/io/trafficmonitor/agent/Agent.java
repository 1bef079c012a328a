package io.trafficmonitor.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import io.trafficmonitor.agent.attach.Datapath;
import io.trafficmonitor.agent.attach.KernelCheck;
import io.trafficmonitor.agent.collect.Checkpointing;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.FlowSource;
import io.trafficmonitor.agent.collect.MonitorView;
import io.trafficmonitor.agent.collect.Routing;
import io.trafficmonitor.agent.export.NodeMetrics;
import io.trafficmonitor.agent.export.StatusWriter;
import io.trafficmonitor.agent.spec.MonitorSettings;
import io.trafficmonitor.agent.target.Attachment;
import io.trafficmonitor.agent.target.CgroupLayout;
import io.trafficmonitor.agent.target.Links;
import io.trafficmonitor.agent.target.PodLookup;
import io.trafficmonitor.agent.target.PodResolver;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.agent.target.TargetPlan;
import io.trafficmonitor.agent.watch.MonitorWatch;
import io.trafficmonitor.agent.watch.MonitorWatch.Monitor;
import io.trafficmonitor.agent.watch.PodWatch;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import io.trafficmonitor.datapath.tcp.CgroupTcpStats;
import io.trafficmonitor.datapath.tcp.DropKey;
import io.trafficmonitor.datapath.tcp.TcpConnection;
import io.trafficmonitor.datapath.tcp.TcpHealth;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
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
 * <p>Three threads: reconcile (informer events, coalesced, plus a periodic resync), collect, and
 * status (API calls never delay a collection). A reconcile reads the monitors that select the node
 * ({@link MonitorWatch}) and their specs ({@link MonitorSettings}), makes sure the programs are
 * loaded and large enough ({@link Datapath#ensureOpen}), applies the node-wide kernel settings
 * ({@link Datapath#apply}), plans each monitor's targets ({@link PodWatch}, {@link TargetPlan}),
 * attaches their union ({@link Datapath#attach}), routes each target to the monitors that count it,
 * and publishes the routing.
 *
 * <p>Locks: the agent's (a reconcile, the TCP figures of a collection, close), then the collector's
 * (a collection, a resize of the flow map); never the other way round.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Agent.class);
  private static final long IDLE_POLL_NANOS = Duration.ofMillis(200).toNanos();

  private final AgentConfig config;
  private final KubernetesClient client;
  private final NodeMetrics nodeMetrics;
  private final Collector collector = new Collector(Duration.ofSeconds(1).toNanos());
  private final PodResolver resolver;
  private final String cgroupProblem;
  private final MonitorWatch monitors;
  private final PodWatch pods;
  private final Datapath datapath;
  private final Checkpointing checkpoints;
  private volatile KernelCheck kernel;
  private final ScheduledExecutorService reconcileThread = thread("tm-reconcile");
  private final ScheduledExecutorService collectThread = thread("tm-collect");
  private final ScheduledExecutorService statusThread = thread("tm-status");
  private final AtomicBoolean reconcilePending = new AtomicBoolean();

  /**
   * Set once every informer has synced: a reconcile before that would see no monitor, take the node
   * for unselected and remove what a previous agent left pinned for this one.
   */
  private volatile boolean informed;

  /** The monitors served, by namespace/name; replaced as a whole by the reconcile thread. */
  private volatile Map<String, MonitorRuntime> runtimes = Map.of();

  private volatile Routing routing = Routing.EMPTY;
  private volatile boolean collectedOnce;
  private volatile boolean reconciled;
  private volatile long lastCollect;
  private volatile long lastUnresolvedTrigger;

  public Agent(AgentConfig config, KubernetesClient client, MeterRegistry registry) {
    this.config = config;
    this.client = client;
    this.nodeMetrics = new NodeMetrics(registry);
    Optional<Path> root = config.cgroupRoot().or(CgroupLayout::findRoot);
    this.cgroupProblem = CgroupLayout.problem(config.cgroupRoot(), root);
    this.resolver =
        new PodResolver(
            cgroupProblem == null ? root : Optional.empty(),
            config.cgroupDriver(),
            config.nodeNetns(),
            config.hostProc());
    this.monitors = new MonitorWatch(client, config.nodeName(), config.watchNamespace());
    this.pods = new PodWatch(config.nodeName());
    this.datapath = new Datapath(collector, config.nodeNetns(), config.hostProc(), config.pinDir());
    this.checkpoints =
        new Checkpointing(
            collector, config.pinDir().isPresent() ? config.stateDir().orElse(null) : null);
  }

  /** Probes the kernel once: what can run, and the status errors for what cannot. */
  private KernelCheck checkKernel() {
    TcMode mode = TcMode.valueOf(config.tcMode().toUpperCase(Locale.ROOT));
    return KernelCheck.probe(mode, config.flowValues(), cgroupProblem);
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
    kernel = checkKernel();
    monitors.start(this::trigger);
    pods.start(client, this::trigger);
    informed = true;
    reconcileThread.scheduleWithFixedDelay(
        this::trigger, 0, config.resyncInterval().toMillis(), TimeUnit.MILLISECONDS);
    collectThread.schedule(this::collectLoop, 0, TimeUnit.MILLISECONDS);
    statusThread.schedule(this::statusLoop, 0, TimeUnit.MILLISECONDS);
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
      doReconcile();
    } catch (RuntimeException e) {
      LOG.errorf(e, "reconcile failed (retrying at the next event or resync)");
    }
  }

  /**
   * The reconcile: the monitors that select the node and their specs, then {@link #apply}; the
   * monitors no longer served stop once the routing without them is published.
   */
  private synchronized void doReconcile() {
    Map<String, MonitorRuntime> current = runtimes;
    Map<MonitorRuntime, List<String>> errs = new HashMap<>();
    Map<String, MonitorRuntime> next = serve(monitors.selecting(), current, errs);
    List<MonitorRuntime> stopped = new ArrayList<>();
    for (MonitorRuntime gone : current.values()) {
      if (!next.containsKey(gone.key())) {
        stopped.add(gone);
      }
    }
    try {
      apply(next, errs);
    } finally {
      // after the routing without them is published, so that no collection feeds them again
      stopped.forEach(this::stopServing);
    }
  }

  /**
   * The runtimes of the monitors to serve, oldest first (those served already kept), with their
   * settings read from the spec; a spec refused keeps the settings applied, and says why in errs.
   */
  private Map<String, MonitorRuntime> serve(
      List<Monitor> wanted,
      Map<String, MonitorRuntime> current,
      Map<MonitorRuntime, List<String>> errs) {
    Map<String, MonitorRuntime> next = new LinkedHashMap<>();
    for (Monitor tm : wanted) {
      String key = tm.key();
      MonitorRuntime rt = current.get(key);
      if (rt == null) {
        rt =
            new MonitorRuntime(
                tm.namespace(),
                tm.name(),
                tm.created(),
                tm.uid(),
                nodeMetrics,
                collector,
                client,
                config);
        LOG.infof("serving %s %s", rt.cluster() ? "ClusterTrafficMonitor" : "TrafficMonitor", key);
      }
      errs.put(rt, new ArrayList<>());
      try {
        MonitorSettings s = MonitorSettings.of(tm.spec(), config.statusInterval());
        if (!rt.cluster() && (!s.interfaces().isEmpty() || s.namespaceSelector().isPresent())) {
          errs.get(rt).add("spec: " + TrafficMonitor.NAMESPACED_ONLY + "; ignored");
          s = s.confined();
        }
        rt.settings = s;
        rt.generation = tm.generation(); // a spec refused here leaves the generation applied
      } catch (IllegalArgumentException e) {
        errs.get(rt).add("spec: " + e.getMessage());
        if (rt.settings == null) { // nothing counted until the spec is fixed
          rt.settings = MonitorSettings.of(null, config.statusInterval());
        }
      }
      next.put(key, rt);
      limits(rt, tm);
    }
    return next;
  }

  /**
   * Loads the programs, applies what the kernel has one of, plans the attachments of every monitor,
   * attaches their union, routes each target to the monitors that count it, and publishes the
   * routing.
   */
  private void apply(Map<String, MonitorRuntime> next, Map<MonitorRuntime, List<String>> errs) {
    nodeMetrics.monitors(next.size());
    if (next.isEmpty()) {
      detachAll();
      runtimes = Map.of();
      reconciled = true;
      return;
    }
    List<String> nodeErrs = new ArrayList<>();
    if (!open(next, nodeErrs)) {
      for (MonitorRuntime rt : next.values()) { // nothing to attach: say why, stay not ready
        errs.get(rt).addAll(0, nodeErrs);
        rt.errors = List.copyOf(errs.get(rt));
      }
      runtimes = next;
      return;
    }
    Map<String, MonitorSettings> settings = new LinkedHashMap<>();
    next.forEach((key, rt) -> settings.put(key, rt.settings));
    datapath.apply(settings).forEach((key, e) -> errs.get(next.get(key)).add(e));
    Map<MonitorRuntime, TargetPlan> plans = plan(next.values(), nodeErrs);
    Set<Attachment> attachments = new HashSet<>();
    plans.values().forEach(plan -> attachments.addAll(plan.attachments()));
    Map<Attachment, String> failed = datapath.attach(attachments);
    nodeMetrics.attachErrors(failed.size());
    publish(route(plans, failed, errs, nodeErrs), next);
  }

  /**
   * Loads the flow programs (once; larger ones when a monitor asks for more flows) and the TCP
   * health tracepoints; continues from the previous agent's checkpoint when its maps were adopted.
   * False when nothing can be attached; the node's errors (the kernel's first) are in nodeErrs.
   */
  private boolean open(Map<String, MonitorRuntime> next, List<String> nodeErrs) {
    if (kernel == null) {
      kernel = checkKernel();
    }
    nodeErrs.addAll(kernel.errors());
    int maxTracked = next.values().stream().mapToInt(r -> r.settings.maxTracked()).max().orElse(0);
    Datapath.Opened opened =
        kernel.flows()
            ? datapath.ensureOpen(kernel, maxTracked, routing, nodeErrs)
            : Datapath.Opened.NOT_LOADED;
    switch (opened) {
      case NOT_LOADED -> {
        return false;
      }
      case LOADED -> checkpoints.adopt(datapath.flows());
      case RESIZED -> checkpoints.due();
      case OPEN -> {}
    }
    datapath.ensureTcpHealth();
    if (checkpoints.restoring()) {
      next.values().forEach(rt -> checkpoints.restore(rt.uid, rt.key(), rt.view));
      checkpoints.restored(); // monitors gone while no agent ran: their figures go with them
    }
    return true;
  }

  /** The targets of every monitor on this node: its selected pods and the node's interfaces. */
  private Map<MonitorRuntime, TargetPlan> plan(
      Iterable<MonitorRuntime> served, List<String> nodeErrs) {
    List<Links.Link> links;
    try {
      links = Links.list(config.nodeNetns());
    } catch (RuntimeException e) {
      links = List.of();
      nodeErrs.add("node interfaces: " + e.getMessage());
    }
    List<Pod> running = pods.running();
    PodLookup once = resolver.memoized();
    Map<MonitorRuntime, TargetPlan> plans = new LinkedHashMap<>();
    for (MonitorRuntime rt : served) {
      List<Pod> selected = pods.selected(rt.settings, rt.namespace, running);
      plans.put(rt, TargetPlan.of(rt.settings, selected, links, once));
    }
    return plans;
  }

  /**
   * The node-wide routing of the plans: which monitors (filters, directions) count each target.
   * Each monitor takes its targets, pods and errors (the node's first, then its spec's, then its
   * targets' by owner, attach failures included); what it no longer counts is forgotten.
   */
  private Routing route(
      Map<MonitorRuntime, TargetPlan> plans,
      Map<Attachment, String> failed,
      Map<MonitorRuntime, List<String>> errs,
      List<String> nodeErrs) {
    Map<Long, Target> cgroups = new HashMap<>();
    Map<Integer, Target> interfaces = new HashMap<>();
    Map<Long, Target> netns = new HashMap<>();
    Map<Target, List<Routing.Subscription>> subscriptions = new HashMap<>();
    for (Map.Entry<MonitorRuntime, TargetPlan> e : plans.entrySet()) {
      MonitorRuntime rt = e.getKey();
      TargetPlan plan = e.getValue();
      MonitorSettings s = rt.settings;
      TargetIndex idx = plan.index();
      cgroups.putAll(idx.cgroups());
      interfaces.putAll(idx.interfaces());
      netns.putAll(idx.netns());
      Routing.Subscription sub =
          new Routing.Subscription(rt.view, s.filters(), s.ingress(), s.egress());
      Set<Target> targets = new HashSet<>(idx.cgroups().values());
      targets.addAll(idx.interfaces().values());
      for (Target t : targets) {
        subscriptions.computeIfAbsent(t, x -> new ArrayList<>()).add(sub);
      }
      List<String> list = errs.get(rt);
      list.addAll(0, nodeErrs);
      Map<String, List<String>> byOwner = new TreeMap<>(plan.errors());
      failed.forEach(
          (k, msg) -> {
            String owner = plan.owners().get(k);
            if (owner != null) {
              byOwner
                  .computeIfAbsent(owner, o -> new ArrayList<>())
                  .add("cannot attach to " + k + ": " + msg);
            }
          });
      byOwner.forEach((owner, l) -> l.forEach(m -> list.add(owner + ": " + m)));
      Set<Target> old = new HashSet<>(rt.index.cgroups().values());
      old.addAll(rt.index.interfaces().values());
      old.removeAll(targets);
      if (!old.isEmpty()) {
        LOG.infof("%s no longer counts %s", rt.key(), old);
        collector.forget(rt.view, old::contains);
        rt.tcp.forget(old::contains);
      }
      rt.index = idx;
      rt.pods = plan.pods();
      rt.interfaces = plan.interfaces();
      rt.metrics.targets(plan.pods(), plan.interfaces());
      rt.errors = List.copyOf(list);
    }
    return new Routing(new TargetIndex(cgroups, interfaces, netns), subscriptions);
  }

  /**
   * Publishes the routing and the monitors served; the flows of targets no longer monitored on the
   * node are forgotten.
   */
  private void publish(Routing r, Map<String, MonitorRuntime> next) {
    Set<Target> gone = new HashSet<>(routing.index().cgroups().values());
    gone.addAll(routing.index().interfaces().values());
    gone.removeAll(r.index().cgroups().values());
    gone.removeAll(r.index().interfaces().values());
    if (!gone.isEmpty()) {
      LOG.infof("no longer monitored on this node: %s", gone);
      collector.forget(gone::contains, datapath.source());
      checkpoints.due();
    }
    routing = r;
    runtimes = next;
    reconciled = true;
  }

  /** Exports the monitor's alert limits (0: none). */
  private static void limits(MonitorRuntime rt, Monitor tm) {
    var alerts = tm.spec() == null ? null : tm.spec().getAlerts();
    rt.metrics.limitBytesPerSecond(alerts == null ? 0 : orZero(alerts.getMaxBytesPerSecond()));
    rt.metrics.limitPacketLossRatio(alerts == null ? 0 : orZero(alerts.getMaxPacketLossRatio()));
    rt.metrics.limitRetransmitRatio(alerts == null ? 0 : orZero(alerts.getMaxRetransmitRatio()));
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }

  /**
   * A monitor no longer selects this node (or is gone): its series and figures go, and its status
   * entry is removed when the monitor still exists.
   */
  private void stopServing(MonitorRuntime rt) {
    LOG.infof("no longer serving TrafficMonitor %s", rt.key());
    collector.close(rt.view);
    rt.tcp.forget(t -> true);
    rt.metrics.close();
    if (config.writesStatus() && monitors.exists(rt.key(), rt.cluster())) {
      statusThread.execute(
          () -> {
            try {
              rt.status.retract();
            } catch (KubernetesClientException e) {
              LOG.debugf("entry of %s not removed: %s", rt.key(), e.getMessage());
            }
          });
    }
  }

  /** No monitor selects this node any more: nothing stays attached. */
  private void detachAll() {
    if (datapath.detachAll()) {
      collector.forget(t -> true, datapath.source());
      checkpoints.due();
    }
    datapath.closeTcpHealth();
    routing = Routing.EMPTY;
  }

  /** The shortest interval any served monitor asks for. */
  private long collectInterval(Map<String, MonitorRuntime> served) {
    long next = Long.MAX_VALUE;
    for (MonitorRuntime rt : served.values()) {
      next = Math.min(next, rt.settings.interval().toNanos());
    }
    return next == Long.MAX_VALUE ? IDLE_POLL_NANOS : next;
  }

  private void collectLoop() {
    long start = System.nanoTime();
    long next = IDLE_POLL_NANOS;
    try {
      Map<String, MonitorRuntime> served = runtimes;
      if (!served.isEmpty()) {
        collectOnce(served);
        next = collectInterval(served);
      }
    } catch (RuntimeException e) {
      LOG.errorf(e, "collection failed");
    } finally {
      long delay = Math.max(0, start + next - System.nanoTime());
      if (!collectThread.isShutdown()) {
        collectThread.schedule(this::collectLoop, delay, TimeUnit.NANOSECONDS);
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
    // never the agent's lock inside the collector's: a resize takes them the other way round
    synchronized (collector) { // not while a resize switches maps
      src = datapath.source();
      if (src == null || datapath.flows() == null) {
        return;
      }
      now = System.nanoTime();
      r = collector.collect(src, routing, now, idle);
    }
    synchronized (this) { // not while the TCP health tracepoints close, nor during a reconcile
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
      trigger();
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
    runtimes.values().forEach(rt -> views.put(rt.uid, rt.view));
    return views;
  }

  /** Collects once now, on the collect thread (tests). */
  public void collectNow() throws Exception {
    collectThread
        .submit(
            () -> {
              Map<String, MonitorRuntime> served = runtimes;
              if (!served.isEmpty()) {
                collectOnce(served);
              }
            })
        .get(30, TimeUnit.SECONDS);
  }

  private void statusLoop() {
    long next = IDLE_POLL_NANOS;
    try {
      next = writeDue(System.nanoTime(), false);
    } catch (RuntimeException e) {
      LOG.warnf("status not written: %s (retrying)", e.getMessage());
    } finally {
      if (!statusThread.isShutdown()) {
        statusThread.schedule(this::statusLoop, next, TimeUnit.NANOSECONDS);
      }
    }
  }

  /**
   * Writes the entries whose status interval has passed (all with {@code all}); returns the time
   * until the next one is due.
   */
  private long writeDue(long now, boolean all) {
    long next = Long.MAX_VALUE;
    List<TcpConnection> connections = null;
    for (MonitorRuntime rt : runtimes.values()) {
      MonitorSettings s = rt.settings;
      if (all || now - rt.nextStatus >= 0) {
        if (connections == null) {
          connections = connections();
        }
        try {
          writeStatus(rt, connections);
        } catch (KubernetesClientException e) {
          LOG.warnf("status of %s not written: %s (retrying)", rt.key(), e.getMessage());
        }
        rt.nextStatus = now + s.statusInterval().toNanos();
      }
      next = Math.min(next, rt.nextStatus - now);
    }
    if (connections != null && datapath.tcpHealth() != null) {
      synchronized (this) {
        TcpHealth tcpHealth = datapath.tcpHealth();
        if (tcpHealth != null) {
          tcpHealth.removeClosed();
        }
      }
    }
    return next == Long.MAX_VALUE ? IDLE_POLL_NANOS : Math.max(IDLE_POLL_NANOS / 20, next);
  }

  private synchronized List<TcpConnection> connections() {
    TcpHealth tcpHealth = datapath.tcpHealth();
    return tcpHealth == null ? List.of() : tcpHealth.connections();
  }

  private void writeStatus(MonitorRuntime rt, List<TcpConnection> connections) {
    List<String> errs = new ArrayList<>(rt.errors);
    FlowDatapath dp = datapath.flows();
    errs.addAll(
        StatusWriter.datapathErrors(dp == null ? null : dp.counters(), datapath.tcpHealthError()));
    NodeStatus st =
        rt.status.build(
            rt.view.snapshot(rt.settings.topN()),
            datapath.tcpHealth() == null ? null : rt.tcp.totals(),
            connections,
            rt.pods,
            rt.interfaces,
            errs,
            Instant.now());
    st.setObservedGeneration(rt.generation);
    rt.metrics.topFlows(st.getTopFlows());
    if (config.writesStatus()) {
      rt.status.apply(st);
    }
    rt.lastStatus = st;
  }

  /**
   * Writes every served monitor's entry now, on the status thread (tests); returns the entry of the
   * only monitor served, or null.
   */
  public NodeStatus writeStatusNow() throws Exception {
    return statusThread
        .submit(
            () -> {
              writeDue(System.nanoTime(), true);
              Map<String, MonitorRuntime> served = runtimes;
              return served.size() == 1 ? served.values().iterator().next().lastStatus : null;
            })
        .get(30, TimeUnit.SECONDS);
  }

  /**
   * The latest entry of every monitor served (those built at least once), as {@code GET
   * /api/v1/status} answers it: what the operator pulls.
   */
  public AgentReport report() {
    List<AgentReport.Entry> entries = new ArrayList<>();
    for (MonitorRuntime rt : runtimes.values()) {
      NodeStatus st = rt.lastStatus;
      if (st != null) {
        entries.add(new AgentReport.Entry(rt.namespace, rt.name, rt.uid, st));
      }
    }
    return new AgentReport(config.nodeName(), entries);
  }

  /** Ready once the monitors are read and, when one selects the node, the programs loaded. */
  public boolean isReady() {
    return reconciled && (runtimes.isEmpty() || datapath.flows() != null);
  }

  /**
   * Whether /metrics may be served: after the first collection, so that counters continued from a
   * checkpoint are never scraped below what the previous agent exported (a scrape would take that
   * for a counter reset and count everything again).
   */
  public boolean metricsReady() {
    return collectedOnce || runtimes.isEmpty();
  }

  /** Live unless collections stopped for longer than three intervals (and 5 s). */
  public boolean isLive() {
    Map<String, MonitorRuntime> served = runtimes;
    if (served.isEmpty() || lastCollect == 0) {
      return true;
    }
    long limit = Math.max(3 * collectInterval(served), 5_000_000_000L);
    return System.nanoTime() - lastCollect < limit;
  }

  /** The settings of the only monitor served (tests), or null. */
  public MonitorSettings settings() {
    Map<String, MonitorRuntime> served = runtimes;
    return served.size() == 1 ? served.values().iterator().next().settings : null;
  }

  /**
   * The settings this agent applies for monitor {@code namespace/name} (namespace null: a
   * ClusterTrafficMonitor), or null.
   */
  public MonitorSettings settings(String namespace, String name) {
    MonitorRuntime rt = runtimes.get(MonitorRuntime.key(namespace, name));
    return rt == null ? null : rt.settings;
  }

  /** Errors of the served monitors, each prefixed with the monitor's namespace/name. */
  public List<String> errors() {
    List<String> out = new ArrayList<>();
    for (MonitorRuntime rt : runtimes.values()) {
      rt.errors.forEach(e -> out.add(rt.key() + ": " + e));
    }
    return out;
  }

  /** The monitors served, as namespace/name (name alone for a ClusterTrafficMonitor). */
  public Set<String> served() {
    return runtimes.keySet();
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
    synchronized (this) {
      FlowSource source = datapath.source();
      if (keep && datapath.flows() != null && source != null) {
        try {
          collector.collect(source, routing, System.nanoTime(), Long.MAX_VALUE);
        } catch (RuntimeException e) {
          LOG.warnf("last collection failed: %s", e.getMessage());
        }
        checkpoint(System.nanoTime(), true);
      }
      datapath.close(keep);
      if (!keep) {
        checkpoints.delete(); // an uninstall: no agent will continue from it
      }
    }
  }
}
