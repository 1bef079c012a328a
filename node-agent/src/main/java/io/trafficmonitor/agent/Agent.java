package io.trafficmonitor.agent;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.KernelFeatures;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.datapath.flow.DatapathCounters;
import io.trafficmonitor.datapath.flow.FilterRule;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import io.trafficmonitor.datapath.tcp.TcpConnection;
import io.trafficmonitor.datapath.tcp.TcpHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
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
 * The node agent: watches its TrafficMonitor and the pods of its node, keeps the programs attached
 * to what the spec selects, collects every {@code spec.interval} and writes its status entry every
 * status interval. Plain Java: tests drive it without Quarkus; {@code app/} wires it into Quarkus.
 *
 * <p>Three threads: reconcile (informer events, coalesced, plus a periodic resync), collect, and
 * status (API calls never delay a collection).
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Agent.class);

  private final AgentConfig config;
  private final KubernetesClient client;
  private final AgentMetrics metrics;
  private final Collector collector;
  private final TcpCollector tcpCollector;
  private volatile TcpHealth tcpHealth;
  private String tcpHealthError;
  private long nodeNetnsInode;
  private final StatusWriter statusWriter;
  private final PodResolver resolver;
  private final String cgroupProblem;
  private volatile KernelCheck kernel;
  private final ScheduledExecutorService reconcileThread = thread("tm-reconcile");
  private final ScheduledExecutorService collectThread = thread("tm-collect");
  private final ScheduledExecutorService statusThread = thread("tm-status");
  private final AtomicBoolean reconcilePending = new AtomicBoolean();

  private volatile TrafficMonitor monitor;
  private volatile MonitorSettings settings;
  private volatile TargetIndex index = TargetIndex.EMPTY;
  private volatile List<String> errors = List.of();
  private volatile int pods;
  private volatile int interfaces;
  private volatile boolean reconciled;
  private volatile long lastCollect;
  private volatile long lastUnresolvedTrigger;
  private volatile NodeStatus lastStatus;

  private volatile FlowDatapath datapath;
  private volatile FlowSource source;
  private Attacher attacher;
  private List<FilterRule> filters;
  private String filterError;
  private SharedIndexInformer<TrafficMonitor> monitorInformer;
  private SharedIndexInformer<Pod> podInformer;
  private SharedIndexInformer<Namespace> namespaceInformer;
  private boolean podScopeWide;

  public Agent(AgentConfig config, KubernetesClient client, MeterRegistry registry) {
    this.config = config;
    this.client = client;
    this.metrics = new AgentMetrics(registry, config.monitorNamespace(), config.monitorName());
    this.collector = new Collector(metrics, Duration.ofSeconds(1).toNanos());
    this.tcpCollector = new TcpCollector(metrics);
    this.statusWriter = new StatusWriter(client, config);
    Optional<Path> root = config.cgroupRoot().or(CgroupLayout::findRoot);
    this.cgroupProblem = cgroupProblem(config.cgroupRoot(), root);
    this.resolver =
        new PodResolver(
            cgroupProblem == null ? root : Optional.empty(),
            config.cgroupDriver(),
            config.nodeNetns(),
            config.hostProc());
  }

  /** Why no cgroup v2 hierarchy can be used, or null when {@code root} is one. */
  private static String cgroupProblem(Optional<Path> configured, Optional<Path> root) {
    if (root.isEmpty()) {
      return "no cgroup2 mount in /proc/self/mountinfo";
    }
    if (!Files.exists(root.get().resolve("cgroup.controllers"))) {
      return (configured.isPresent() ? "CGROUP_ROOT=" : "")
          + root.get()
          + " is not a cgroup v2 hierarchy (no cgroup.controllers)";
    }
    return null;
  }

  /** Probes the kernel once: what can run, and the status errors for what cannot. */
  private KernelCheck checkKernel() {
    TcMode mode = TcMode.valueOf(config.tcMode().toUpperCase(Locale.ROOT));
    KernelCheck k;
    try {
      KernelFeatures features = KernelFeatures.probe();
      LOG.infof("kernel features: %s", features);
      k = KernelCheck.of(features, mode, config.flowValues(), cgroupProblem);
    } catch (RuntimeException e) { // the shim itself did not load
      k = KernelCheck.unavailable(e.getMessage(), mode, config.flowValues());
    }
    k.errors().forEach(LOG::warn);
    return k;
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
        "agent of node %s for TrafficMonitor %s/%s starting",
        config.nodeName(), config.monitorNamespace(), config.monitorName());
    kernel = checkKernel();
    monitorInformer =
        client
            .resources(TrafficMonitor.class)
            .inNamespace(config.monitorNamespace())
            .withField("metadata.name", config.monitorName())
            .inform(
                handler(
                    tm -> monitor = tm,
                    tm -> {
                      LOG.infof("TrafficMonitor %s deleted: detaching", config.monitorName());
                      monitor = null;
                    }),
                0);
    reconcileThread.scheduleWithFixedDelay(
        this::trigger, 0, config.resyncInterval().toMillis(), TimeUnit.MILLISECONDS);
    collectThread.schedule(this::collectLoop, 0, TimeUnit.MILLISECONDS);
    statusThread.schedule(this::statusLoop, 0, TimeUnit.MILLISECONDS);
  }

  private <T> ResourceEventHandler<T> handler(
      java.util.function.Consumer<T> upsert, java.util.function.Consumer<T> delete) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        upsert.accept(obj);
        trigger();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        upsert.accept(newObj);
        trigger();
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        delete.accept(obj);
        trigger();
      }
    };
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
    try {
      doReconcile();
    } catch (RuntimeException e) {
      LOG.errorf(e, "reconcile failed (retrying at the next event or resync)");
    }
  }

  private synchronized void doReconcile() {
    TrafficMonitor tm = monitor;
    if (tm == null) {
      if (attacher != null && attacher.attached() > 0) {
        attacher.reconcile(Set.of());
        collector.forget(t -> true, source);
      }
      closeTcpHealth();
      index = TargetIndex.EMPTY;
      settings = null;
      pods = 0;
      interfaces = 0;
      return;
    }
    MonitorSettings s;
    List<String> errs = new ArrayList<>();
    try {
      s = MonitorSettings.of(tm.getSpec(), config.statusInterval());
    } catch (IllegalArgumentException e) {
      errors = List.of("spec: " + e.getMessage());
      return;
    }
    if (kernel == null) {
      kernel = checkKernel();
    }
    errs.addAll(kernel.errors());
    if (!kernel.flows() || !openDatapath(s, errs)) { // nothing to attach: say why, stay not ready
      errors = List.copyOf(errs);
      settings = s;
      return;
    }
    if (kernel.tcpHealth() && tcpHealth == null && tcpHealthError == null) {
      openTcpHealth();
    }
    applyFilters(s.filters());
    if (filterError != null) {
      errs.add("filters: " + filterError);
    }
    applyQuality(s);
    collector.applications(s.applications());
    ensurePodWatch(s);
    List<Links.Link> links;
    try {
      links = Links.list(config.nodeNetns());
    } catch (RuntimeException e) {
      links = List.of();
      errs.add("node interfaces: " + e.getMessage());
    }
    TargetPlan plan = TargetPlan.of(s, config.monitorNamespace(), selectedPods(s), links, resolver);
    Map<Attacher.Key, String> failed = attacher.reconcile(plan.attachments());
    metrics.attachErrors(failed.size());
    Map<String, List<String>> byOwner = new TreeMap<>(plan.errors());
    failed.forEach(
        (k, msg) ->
            byOwner
                .computeIfAbsent(plan.owners().get(k), o -> new ArrayList<>())
                .add("cannot attach to " + k + ": " + msg));
    byOwner.forEach((owner, list) -> list.forEach(m -> errs.add(owner + ": " + m)));

    Set<Target> live = new HashSet<>(plan.index().cgroups().values());
    live.addAll(plan.index().interfaces().values());
    Set<Target> gone = new HashSet<>(index.cgroups().values());
    gone.addAll(index.interfaces().values());
    gone.removeAll(live);
    if (!gone.isEmpty()) {
      LOG.infof("no longer monitored: %s", gone);
      collector.forget(gone::contains, source);
      tcpCollector.forget(gone::contains);
    }
    index = plan.index();
    pods = plan.pods();
    interfaces = plan.interfaces();
    metrics.targets(pods, interfaces);
    if (tm.getSpec() != null && tm.getSpec().getAlerts() != null) {
      var alerts = tm.getSpec().getAlerts();
      metrics.limitBytesPerSecond(orZero(alerts.getMaxBytesPerSecond()));
      metrics.limitPacketLossRatio(orZero(alerts.getMaxPacketLossRatio()));
      metrics.limitRetransmitRatio(orZero(alerts.getMaxRetransmitRatio()));
    }
    errors = List.copyOf(errs);
    settings = s;
    reconciled = true;
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }

  private List<Object> quality;

  /** Loads the flow programs once; false, with the reason in errs, when they do not load. */
  private boolean openDatapath(MonitorSettings s, List<String> errs) {
    if (datapath != null) {
      if (datapath.maxFlows() != s.maxTracked()) {
        LOG.infof(
            "flows.maxTracked %d takes effect when the agent restarts (now %d)",
            s.maxTracked(), datapath.maxFlows());
      }
      return true;
    }
    TcMode mode = kernel.tcMode();
    try {
      StaleFilters.clean(config.nodeNetns(), config.hostProc());
    } catch (RuntimeException e) {
      LOG.warnf("cannot look for filters left by a previous agent: %s", e.getMessage());
    }
    try {
      datapath =
          FlowDatapath.open(
              FlowDatapath.Options.defaults()
                  .withMaxFlows(s.maxTracked())
                  .withTcMode(mode)
                  .withValueMode(kernel.valueMode()));
    } catch (RuntimeException e) {
      LOG.errorf("flow programs not loaded (retrying): %s", e.getMessage());
      errs.add("flow programs not loaded: " + e.getMessage());
      return false;
    }
    FlowDatapath dp = datapath;
    source =
        new FlowSource() {
          @Override
          public void read(BpfMap.BatchVisitor visitor) {
            dp.readFlowsRaw(visitor);
          }

          @Override
          public boolean remove(byte[] key, byte[] value) {
            return dp.removeFlow(key, value);
          }

          @Override
          public void readSequences(BpfMap.BatchVisitor visitor) {
            dp.readSequencesRaw(visitor);
          }

          @Override
          public boolean removeSequence(byte[] key, byte[] value) {
            return dp.removeSequence(key, value);
          }

          @Override
          public int capacity() {
            return dp.maxFlows();
          }
        };
    attacher = new Attacher(datapath, config.nodeNetns());
    LOG.infof(
        "flow programs loaded (%d flows, TC mode %s, %s flow values)",
        s.maxTracked(), mode, datapath.perCpuValues() ? "per-CPU" : "shared");
    return true;
  }

  /**
   * TCP health and drops from tracepoints. Without them (a kernel without BTF tracepoints, say) the
   * flow figures still work; the reason goes into the status.
   */
  private synchronized void closeTcpHealth() {
    if (tcpHealth != null) {
      tcpHealth.close();
      tcpHealth = null;
      tcpCollector.forget(t -> true);
    }
  }

  private void openTcpHealth() {
    try {
      Path ns = config.nodeNetns().orElse(Path.of("/proc/self/ns/net"));
      nodeNetnsInode = ((Number) Files.getAttribute(ns, "unix:ino")).longValue();
      tcpHealth = TcpHealth.open();
      tcpHealthError = null;
      LOG.info("TCP health tracepoints attached");
    } catch (RuntimeException | java.io.IOException e) {
      tcpHealthError = "TCP health and drops not measured: " + e.getMessage();
      LOG.warn(tcpHealthError);
    }
  }

  /** Jitter and sequence numbers, changed in the kernel without a reload. */
  private void applyQuality(MonitorSettings s) {
    List<Object> wanted = java.util.Arrays.asList(s.jitter(), s.sequence());
    if (wanted.equals(quality)) {
      return;
    }
    datapath.configure(s.jitter(), s.sequence());
    quality = wanted;
    LOG.infof("jitter %s, sequence numbers %s", s.jitter() ? "on" : "off", s.sequence());
  }

  private void applyFilters(List<FilterRule> rules) {
    if (rules.equals(filters)) {
      return;
    }
    try {
      datapath.setFilters(rules);
      filters = rules;
      filterError = null;
      LOG.infof("filters set: %d rule(s)", rules.size());
    } catch (RuntimeException e) {
      filterError = e.getMessage();
      LOG.warnf("filters refused: %s", e.getMessage());
    }
  }

  private void ensurePodWatch(MonitorSettings s) {
    boolean wide = s.namespaceSelector().isPresent();
    if (podInformer != null && wide == podScopeWide) {
      return;
    }
    if (podInformer != null) {
      podInformer.close();
    }
    if (namespaceInformer != null) {
      namespaceInformer.close();
      namespaceInformer = null;
    }
    ResourceEventHandler<Pod> onPod = handler(p -> {}, p -> {});
    podInformer =
        wide
            ? client
                .pods()
                .inAnyNamespace()
                .withField("spec.nodeName", config.nodeName())
                .inform(onPod, 0)
            : client
                .pods()
                .inNamespace(config.monitorNamespace())
                .withField("spec.nodeName", config.nodeName())
                .inform(onPod, 0);
    if (wide) {
      namespaceInformer = client.namespaces().inform(handler(n -> {}, n -> {}), 0);
    }
    podScopeWide = wide;
    LOG.infof(
        "watching pods of node %s in %s",
        config.nodeName(), wide ? "the selected namespaces" : config.monitorNamespace());
  }

  private List<Pod> selectedPods(MonitorSettings s) {
    if (!s.selectsPods() || podInformer == null) {
      return List.of();
    }
    List<Pod> out = new ArrayList<>();
    for (Pod p : podInformer.getStore().list()) {
      if (!config.nodeName().equals(p.getSpec().getNodeName())
          || p.getMetadata().getDeletionTimestamp() != null
          || p.getStatus() == null
          || !"Running".equals(p.getStatus().getPhase())
          || !namespaceSelected(s, p.getMetadata().getNamespace())
          || !Selectors.matches(s.podSelector(), p.getMetadata().getLabels())) {
        continue;
      }
      out.add(p);
    }
    return out;
  }

  private boolean namespaceSelected(MonitorSettings s, String ns) {
    if (s.namespaceSelector().isEmpty()) {
      return config.monitorNamespace().equals(ns);
    }
    if (namespaceInformer == null) {
      return false;
    }
    Namespace n = namespaceInformer.getStore().getByKey(ns);
    return n != null && Selectors.matches(s.namespaceSelector().get(), n.getMetadata().getLabels());
  }

  private void collectLoop() {
    long start = System.nanoTime();
    MonitorSettings s = settings;
    long next = Duration.ofMillis(200).toNanos();
    try {
      if (s != null) {
        collectOnce(s);
        next = s.interval().toNanos();
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

  private void collectOnce(MonitorSettings s) {
    FlowSource src = source;
    FlowDatapath dp = datapath;
    if (src == null || dp == null) {
      return;
    }
    long now = System.nanoTime();
    Collector.Result r = collector.collect(src, index, now, s.idleTimeout().toNanos());
    synchronized (this) { // not while closeTcpHealth runs
      if (tcpHealth != null) {
        tcpCollector.collect(tcpHealth.cgroups(), tcpHealth.drops(), index, nodeNetnsInode);
      }
    }
    DatapathCounters c = dp.counters();
    metrics.collected(r, src.capacity(), c);
    lastCollect = now;
    if (r.unresolved() > 0 && now - lastUnresolvedTrigger > 1_000_000_000L) {
      lastUnresolvedTrigger = now; // a new container cgroup, say: resolve again
      trigger();
    }
  }

  /** Collects once now, on the collect thread (tests). */
  public void collectNow() throws Exception {
    collectThread
        .submit(
            () -> {
              MonitorSettings s = settings;
              if (s != null) {
                collectOnce(s);
              }
            })
        .get(30, TimeUnit.SECONDS);
  }

  private void statusLoop() {
    long next = Duration.ofSeconds(1).toNanos();
    try {
      MonitorSettings s = settings;
      if (s != null) {
        writeStatus(s);
        next = s.statusInterval().toNanos();
      }
    } catch (RuntimeException e) {
      LOG.warnf("status not written: %s (retrying)", e.getMessage());
    } finally {
      if (!statusThread.isShutdown()) {
        statusThread.schedule(this::statusLoop, next, TimeUnit.NANOSECONDS);
      }
    }
  }

  private void writeStatus(MonitorSettings s) {
    if (monitor == null) {
      return;
    }
    List<String> errs = new ArrayList<>(errors);
    FlowDatapath dp = datapath;
    if (dp != null) {
      DatapathCounters c = dp.counters();
      if (c.mapFull() > 0) {
        errs.add(
            "flow map full: "
                + c.mapFull()
                + " packets not tracked; raise spec.flows.maxTracked or lower flows.idleTimeout");
      }
      if (c.sequenceFull() > 0 || c.jitterFull() > 0) {
        errs.add(
            "sequence or jitter map full: "
                + (c.sequenceFull() + c.jitterFull())
                + " packets' sequence numbers or inter-arrival times not tracked; raise"
                + " spec.flows.maxTracked (the maps hold a quarter of it) or lower"
                + " flows.idleTimeout");
      }
    }
    if (tcpHealthError != null) {
      errs.add(tcpHealthError);
    }
    List<TcpConnection> connections;
    synchronized (this) {
      connections = connections(tcpHealth);
    }
    NodeStatus st =
        statusWriter.build(
            collector.snapshot(s.topN()),
            tcpCollector.totals(),
            connections,
            pods,
            interfaces,
            errs,
            Instant.now());
    metrics.topFlows(st.getTopFlows());
    statusWriter.apply(st);
    lastStatus = st;
  }

  /** The connection table for the status, then without the connections closed since. */
  private static List<TcpConnection> connections(TcpHealth tcp) {
    if (tcp == null) {
      return List.of();
    }
    List<TcpConnection> all = tcp.connections();
    tcp.removeClosed();
    return all;
  }

  /** Writes the status entry now, on the status thread (tests); returns what was written. */
  public NodeStatus writeStatusNow() throws Exception {
    return statusThread
        .submit(
            () -> {
              MonitorSettings s = settings;
              if (s != null) {
                writeStatus(s);
              }
              return lastStatus;
            })
        .get(30, TimeUnit.SECONDS);
  }

  /** Ready once the spec is read, the programs loaded and the targets attached once. */
  public boolean isReady() {
    return reconciled && settings != null;
  }

  /** Live unless collections stopped for longer than three intervals (and 5 s). */
  public boolean isLive() {
    MonitorSettings s = settings;
    if (s == null || lastCollect == 0) {
      return true;
    }
    long limit = Math.max(3 * s.interval().toNanos(), 5_000_000_000L);
    return System.nanoTime() - lastCollect < limit;
  }

  /** The settings of the last reconcile, null before the first or after deletion. */
  public MonitorSettings settings() {
    return settings;
  }

  public Collector collector() {
    return collector;
  }

  public List<String> errors() {
    return errors;
  }

  public Optional<Path> nodeNetns() {
    return config.nodeNetns();
  }

  /** Stops the loops and informers, then detaches everything and unloads the programs. */
  @Override
  public void close() {
    LOG.info("agent stopping: detaching everything");
    for (ScheduledExecutorService e : List.of(statusThread, collectThread, reconcileThread)) {
      e.shutdownNow();
      try {
        e.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
    for (SharedIndexInformer<?> i :
        new SharedIndexInformer<?>[] {monitorInformer, podInformer, namespaceInformer}) {
      if (i != null) {
        i.close();
      }
    }
    synchronized (this) {
      if (attacher != null) {
        attacher.close();
      }
      if (datapath != null) {
        datapath.close();
        datapath = null;
        source = null;
      }
      closeTcpHealth();
    }
  }
}
