package io.trafficmonitor.agent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.KernelFeatures;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.datapath.flow.DatapathCounters;
import io.trafficmonitor.datapath.flow.FilterRule;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import io.trafficmonitor.datapath.flow.SequenceConfig;
import io.trafficmonitor.datapath.tcp.CgroupTcpStats;
import io.trafficmonitor.datapath.tcp.DropKey;
import io.trafficmonitor.datapath.tcp.TcpConnection;
import io.trafficmonitor.datapath.tcp.TcpHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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
 * status (API calls never delay a collection).
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

  /** Checkpointed figures of monitors not served yet since this agent adopted the kernel state. */
  private Map<String, byte[]> pendingViews = Map.of();

  private volatile boolean checkpointDue;
  private long lastCheckpoint;
  private volatile boolean collectedOnce;
  private static final long CHECKPOINT_EVERY_NANOS = Duration.ofSeconds(5).toNanos();
  private volatile boolean reconciled;
  private volatile long lastCollect;
  private volatile long lastUnresolvedTrigger;

  private volatile FlowDatapath datapath;
  private volatile FlowSource source;
  private Attacher attacher;
  private volatile TcpHealth tcpHealth;
  private volatile String tcpHealthError;
  private long nodeNetnsInode;
  private List<FilterRule> filters;
  private List<Object> quality;
  private SharedIndexInformer<TrafficMonitor> monitorInformer;
  private SharedIndexInformer<ClusterTrafficMonitor> clusterInformer;
  private SharedIndexInformer<Pod> podInformer;
  private SharedIndexInformer<Namespace> namespaceInformer;
  private SharedIndexInformer<Node> nodeInformer;

  public Agent(AgentConfig config, KubernetesClient client, MeterRegistry registry) {
    this.config = config;
    this.client = client;
    this.nodeMetrics = new NodeMetrics(registry);
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
        "agent of node %s starting, serving the TrafficMonitors of %s",
        config.nodeName(), config.watchNamespace().orElse("all namespaces"));
    kernel = checkKernel();
    var monitors = client.resources(TrafficMonitor.class);
    monitorInformer =
        config.watchNamespace().isPresent()
            ? monitors
                .inNamespace(config.watchNamespace().get())
                .inform(handler(Agent::specChanged), 0)
            : monitors.inAnyNamespace().inform(handler(Agent::specChanged), 0);
    podInformer =
        client
            .pods()
            .inAnyNamespace()
            .withField("spec.nodeName", config.nodeName())
            .inform(handler(), 0);
    namespaceInformer = client.namespaces().inform(handler(Agent::labelsChanged), 0);
    nodeInformer =
        client
            .nodes()
            .withField("metadata.name", config.nodeName())
            .inform(handler(Agent::nodeChanged), 0);
    watchClusterMonitors();
    informed = true;
    reconcileThread.scheduleWithFixedDelay(
        this::trigger, 0, config.resyncInterval().toMillis(), TimeUnit.MILLISECONDS);
    collectThread.schedule(this::collectLoop, 0, TimeUnit.MILLISECONDS);
    statusThread.schedule(this::statusLoop, 0, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts watching ClusterTrafficMonitors; without their CRD (an older install, say) namespaced
   * monitors are served alone and the watch is tried again at every resync.
   */
  private void watchClusterMonitors() {
    if (clusterInformer != null) {
      return;
    }
    try {
      clusterInformer =
          client.resources(ClusterTrafficMonitor.class).inform(handler(Agent::specChanged), 0);
    } catch (RuntimeException e) {
      LOG.warnf(
          "ClusterTrafficMonitors not watched (retrying at the next resync): %s", e.getMessage());
    }
  }

  /** Every add and delete asks for a reconcile; every update too. */
  private <T> ResourceEventHandler<T> handler() {
    return handler((a, b) -> true);
  }

  /**
   * Every add and delete asks for a reconcile, and the updates that {@code matters} says change
   * what this agent serves: not a monitor's own status (written by the agents every interval), nor
   * a node's heartbeat.
   */
  private <T> ResourceEventHandler<T> handler(java.util.function.BiPredicate<T, T> matters) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        trigger();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        if (oldObj == null || newObj == null || matters.test(oldObj, newObj)) {
          trigger();
        }
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        trigger();
      }
    };
  }

  /** A monitor's spec (its generation), labels or deletion changed, not only its status. */
  static boolean specChanged(HasMetadata a, HasMetadata b) {
    ObjectMeta x = a.getMetadata();
    ObjectMeta y = b.getMetadata();
    return !Objects.equals(x.getGeneration(), y.getGeneration())
        || !Objects.equals(x.getLabels(), y.getLabels())
        || !Objects.equals(x.getDeletionTimestamp(), y.getDeletionTimestamp())
        || !Objects.equals(x.getUid(), y.getUid());
  }

  /** A namespace's labels (what namespaceSelector matches) changed. */
  static boolean labelsChanged(HasMetadata a, HasMetadata b) {
    return !Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels());
  }

  /** The node's labels or taints (what nodeSelector and tolerations match) changed. */
  static boolean nodeChanged(Node a, Node b) {
    return labelsChanged(a, b)
        || !Objects.equals(
            a.getSpec() == null ? null : a.getSpec().getTaints(),
            b.getSpec() == null ? null : b.getSpec().getTaints());
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

  /** A monitor of either kind: a TrafficMonitor, or a ClusterTrafficMonitor (no namespace). */
  private record Monitor(
      String namespace,
      String name,
      String created,
      String uid,
      Long generation,
      TrafficMonitorSpec spec,
      boolean deleting) {
    static Monitor of(CustomResource<TrafficMonitorSpec, ?> r) {
      return new Monitor(
          r.getMetadata().getNamespace(),
          r.getMetadata().getName(),
          Objects.toString(r.getMetadata().getCreationTimestamp(), ""),
          r.getMetadata().getUid(),
          r.getMetadata().getGeneration(),
          r.getSpec(),
          r.getMetadata().getDeletionTimestamp() != null);
    }

    String key() {
      return MonitorRuntime.key(namespace, name);
    }
  }

  /** The monitors of both kinds that select this node, oldest first. */
  private List<Monitor> selecting() {
    if (clusterInformer == null && monitorInformer != null) {
      watchClusterMonitors();
    }
    List<Monitor> all = new ArrayList<>();
    if (monitorInformer != null) {
      monitorInformer.getStore().list().forEach(m -> all.add(Monitor.of(m)));
    }
    if (clusterInformer != null) {
      clusterInformer.getStore().list().forEach(m -> all.add(Monitor.of(m)));
    }
    Node node = nodeInformer == null ? null : nodeInformer.getStore().getByKey(config.nodeName());
    List<Monitor> out = new ArrayList<>();
    for (Monitor m : all) {
      if (!m.deleting() && NodeSelection.covers(m.spec(), node)) {
        out.add(m);
      }
    }
    out.sort(Comparator.comparing(Monitor::created).thenComparing(Monitor::key));
    return out;
  }

  /** Whether the monitor still exists (its entry is to be removed, not its object). */
  private boolean exists(MonitorRuntime rt) {
    var informer = rt.cluster() ? clusterInformer : monitorInformer;
    return informer != null && informer.getStore().getByKey(rt.key()) != null;
  }

  private synchronized void doReconcile() {
    List<Monitor> wanted = selecting();
    Map<String, MonitorRuntime> next = new LinkedHashMap<>();
    Map<String, MonitorRuntime> current = runtimes;
    Map<MonitorRuntime, List<String>> errs = new HashMap<>();
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

  /** Attaches and routes for the monitors to serve, then publishes the routing. */
  private void apply(Map<String, MonitorRuntime> next, Map<MonitorRuntime, List<String>> errs) {
    nodeMetrics.monitors(next.size());
    if (next.isEmpty()) {
      detachAll();
      runtimes = Map.of();
      reconciled = true;
      return;
    }
    if (kernel == null) {
      kernel = checkKernel();
    }
    List<String> nodeErrs = new ArrayList<>(kernel.errors());
    int maxTracked = next.values().stream().mapToInt(r -> r.settings.maxTracked()).max().orElse(0);
    if (!kernel.flows() || !openDatapath(maxTracked, nodeErrs)) {
      for (MonitorRuntime rt : next.values()) { // nothing to attach: say why, stay not ready
        errs.get(rt).addAll(0, nodeErrs);
        rt.errors = List.copyOf(errs.get(rt));
      }
      runtimes = next;
      return;
    }
    if (kernel.tcpHealth() && tcpHealth == null && tcpHealthError == null) {
      openTcpHealth();
    }
    if (!pendingViews.isEmpty()) {
      next.values().forEach(this::restoreView);
      pendingViews = Map.of(); // monitors gone while no agent ran: their figures go with them
    }
    applyFilters(next.values());
    applyQuality(next.values(), errs);
    List<Links.Link> links;
    try {
      links = Links.list(config.nodeNetns());
    } catch (RuntimeException e) {
      links = List.of();
      nodeErrs.add("node interfaces: " + e.getMessage());
    }
    List<Pod> pods = runningPods();
    PodLookup once = resolver.memoized();
    Map<MonitorRuntime, TargetPlan> plans = new LinkedHashMap<>();
    Set<Attacher.Key> attachments = new HashSet<>();
    for (MonitorRuntime rt : next.values()) {
      TargetPlan plan = TargetPlan.of(rt.settings, selectedPods(rt, pods), links, once);
      plans.put(rt, plan);
      attachments.addAll(plan.attachments());
    }
    Map<Attacher.Key, String> failed = attacher.reconcile(attachments);
    nodeMetrics.attachErrors(failed.size());

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
    Routing r = new Routing(new TargetIndex(cgroups, interfaces, netns), subscriptions);
    Set<Target> gone = new HashSet<>(routing.index().cgroups().values());
    gone.addAll(routing.index().interfaces().values());
    gone.removeAll(r.index().cgroups().values());
    gone.removeAll(r.index().interfaces().values());
    if (!gone.isEmpty()) {
      LOG.infof("no longer monitored on this node: %s", gone);
      collector.forget(gone::contains, source);
      checkpointDue = true;
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
    if (config.writesStatus() && exists(rt)) {
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
    if (attacher != null && attacher.attached() > 0) {
      attacher.reconcile(Set.of());
      collector.forget(t -> true, source);
      checkpointDue = true;
    }
    if (attacher == null && config.pinDir().isPresent()) {
      Attacher.removePins(config.pinDir().get()); // a previous agent's, for monitors now gone
    }
    closeTcpHealth();
    routing = Routing.EMPTY;
  }

  /** Loads the flow programs once; false, with the reason in errs, when they do not load. */
  private boolean openDatapath(int maxTracked, List<String> errs) {
    if (datapath != null) {
      if (datapath.maxFlows() < maxTracked) {
        resize(maxTracked, errs);
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
      datapath = FlowDatapath.open(options(maxTracked));
    } catch (RuntimeException e) {
      LOG.errorf("flow programs not loaded (retrying): %s", e.getMessage());
      errs.add("flow programs not loaded: " + e.getMessage());
      return false;
    }
    source = source(datapath);
    attacher = new Attacher(datapath, config.nodeNetns(), config.pinDir());
    LOG.infof(
        "flow programs loaded (%d flows, TC mode %s, %s flow values)",
        maxTracked, mode, datapath.perCpuValues() ? "per-CPU" : "shared");
    continueFromCheckpoint();
    return true;
  }

  private FlowDatapath.Options options(int maxTracked) {
    FlowDatapath.Options options =
        FlowDatapath.Options.defaults()
            .withMaxFlows(maxTracked)
            .withTcMode(kernel.tcMode())
            .withValueMode(kernel.valueMode());
    return config.pinDir().isPresent() ? options.withPinDir(config.pinDir().get()) : options;
  }

  private static FlowSource source(FlowDatapath dp) {
    return new FlowSource() {
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
  }

  /**
   * A monitor asks for a larger flow map than the node's: new programs with new maps are loaded,
   * every attachment is switched to them ({@code BPF_LINK_UPDATE}; clsact filters are attached
   * again), then the old map is read a last time and the collector starts afresh on the new one, so
   * the switch loses and repeats nothing (but what clsact hooks see during their re-attach).
   */
  private void resize(int maxTracked, List<String> errs) {
    FlowDatapath old = datapath;
    FlowSource oldSource = source;
    FlowDatapath next;
    try {
      next = FlowDatapath.open(options(maxTracked));
    } catch (RuntimeException e) {
      errs.add(
          "flows.maxTracked "
              + maxTracked
              + " not applied (the flow map holds "
              + old.maxFlows()
              + "): "
              + e.getMessage());
      return;
    }
    Map<Attacher.Key, String> failed = attacher.switchTo(next);
    failed.forEach((k, m) -> LOG.warnf("%s not switched to the larger flow map: %s", k, m));
    try {
      Thread.sleep(50); // programs started on the old map before the switch finish meanwhile
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (collector) {
      collector.collect(oldSource, routing, System.nanoTime(), Long.MAX_VALUE);
      collector.reset();
      datapath = next;
      source = source(next);
    }
    filters = null; // set again on the new programs' maps below
    quality = null;
    old.close();
    checkpointDue = true;
    LOG.infof("flow map resized from %d to %d flows", old.maxFlows(), next.maxFlows());
  }

  /** The id of the kernel flow map: what a checkpoint belongs to. */
  private int flowMapId() {
    return datapath.object().map(io.trafficmonitor.datapath.flow.FlowLayout.MAP_FLOWS).id();
  }

  /**
   * After adopting a previous agent's pinned flow map, continues from its checkpoint: the collector
   * takes its baselines now, each monitor's view its figures when the monitor is served.
   */
  private void continueFromCheckpoint() {
    if (config.pinDir().isEmpty() || config.stateDir().isEmpty()) {
      return;
    }
    Path dir = config.stateDir().get();
    try {
      if (!datapath.adopted()) {
        if (datapath.adoptionProblem() != null) {
          LOG.warnf("the previous agent's flow maps not adopted: %s", datapath.adoptionProblem());
        }
        Checkpoint.delete(dir);
        return;
      }
      Checkpoint.Read read = Checkpoint.read(dir, flowMapId(), collector);
      if (read == null) {
        LOG.warn("adopted the previous agent's flow maps without a checkpoint of them");
        return;
      }
      pendingViews = new HashMap<>(read.views());
      LOG.infof(
          "adopted the previous agent's flow maps and checkpoint (%d flows, %d monitors)",
          collector.trackedFlows(), pendingViews.size());
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warnf("checkpoint in %s not used: %s", dir, e.getMessage());
    }
  }

  /** A served monitor continues from the checkpoint of the previous agent, once. */
  private void restoreView(MonitorRuntime rt) {
    byte[] data = pendingViews.remove(rt.uid);
    if (data == null) {
      return;
    }
    try {
      Checkpoint.restore(rt.view, data);
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warnf("checkpoint of %s not used: %s", rt.key(), e.getMessage());
    }
  }

  /** Writes the checkpoint when due (flows left the kernel, or every few seconds). */
  private void checkpoint(long now, boolean force) {
    if (config.pinDir().isEmpty() || config.stateDir().isEmpty() || datapath == null) {
      return;
    }
    if (!force && !checkpointDue && now - lastCheckpoint < CHECKPOINT_EVERY_NANOS) {
      return;
    }
    checkpointDue = false;
    lastCheckpoint = now;
    Map<String, MonitorView> views = new LinkedHashMap<>();
    runtimes.values().forEach(rt -> views.put(rt.uid, rt.view));
    try {
      Checkpoint.write(config.stateDir().get(), flowMapId(), collector, views);
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warnf("checkpoint not written: %s", e.getMessage());
    }
  }

  /**
   * TCP health and drops from tracepoints. Without them (a kernel without BTF tracepoints, say) the
   * flow figures still work; the reason goes into the status.
   */
  private synchronized void closeTcpHealth() {
    if (tcpHealth != null) {
      tcpHealth.close();
      tcpHealth = null;
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

  /**
   * Jitter and sequence numbers, changed in the kernel without a reload. Jitter is measured when
   * any monitor asks (the others do not show it); the kernel follows one sequence setting, the
   * oldest monitor's, and a monitor asking for another one is told so in its status.
   */
  private void applyQuality(
      java.util.Collection<MonitorRuntime> monitors, Map<MonitorRuntime, List<String>> errs) {
    boolean jitter = monitors.stream().anyMatch(r -> r.settings.jitter());
    SequenceConfig sequence = null;
    MonitorRuntime owner = null;
    for (MonitorRuntime rt : monitors) {
      SequenceConfig q = rt.settings.sequence();
      if (q == null) {
        continue;
      }
      if (sequence == null) {
        sequence = q;
        owner = rt;
      } else if (!sequence.equals(q)) {
        errs.get(rt)
            .add(
                "sequence: not measured on this node: the kernel follows one spec.sequence per"
                    + " node, and TrafficMonitor "
                    + owner.key()
                    + " (older) asks for another one");
      }
    }
    List<Object> wanted = java.util.Arrays.asList(jitter, sequence);
    if (wanted.equals(quality)) {
      return;
    }
    datapath.configure(jitter, sequence);
    quality = wanted;
    LOG.infof("jitter %s, sequence numbers %s", jitter ? "on" : "off", sequence);
  }

  /**
   * The kernel keeps only flows that some monitor may count: the union of the monitors' rules, or
   * everything when a monitor has none or the union does not fit. Each monitor applies its own
   * rules to the flows it is handed, so its figures are exact either way.
   */
  private void applyFilters(java.util.Collection<MonitorRuntime> monitors) {
    List<FilterRule> union = new ArrayList<>();
    for (MonitorRuntime rt : monitors) {
      if (rt.settings.filters().isEmpty()) {
        union = List.of();
        break;
      }
      union.addAll(rt.settings.filters());
    }
    union = List.copyOf(new java.util.LinkedHashSet<>(union));
    if (union.equals(filters)) {
      return;
    }
    try {
      datapath.setFilters(union);
      filters = union;
      LOG.infof("kernel filters set: %d rule(s)", union.size());
    } catch (RuntimeException e) {
      LOG.infof("kernel filters not set (%s): every flow is kept", e.getMessage());
      datapath.setFilters(List.of());
      filters = union;
    }
  }

  private List<Pod> runningPods() {
    List<Pod> out = new ArrayList<>();
    if (podInformer == null) {
      return out;
    }
    for (Pod p : podInformer.getStore().list()) {
      if (config.nodeName().equals(p.getSpec().getNodeName())
          && p.getMetadata().getDeletionTimestamp() == null
          && p.getStatus() != null
          && "Running".equals(p.getStatus().getPhase())) {
        out.add(p);
      }
    }
    return out;
  }

  private List<Pod> selectedPods(MonitorRuntime rt, List<Pod> running) {
    MonitorSettings s = rt.settings;
    if (!s.selectsPods()) {
      return List.of();
    }
    List<Pod> out = new ArrayList<>();
    for (Pod p : running) {
      if (namespaceSelected(rt, s, p.getMetadata().getNamespace())
          && Selectors.matches(s.podSelector(), p.getMetadata().getLabels())) {
        out.add(p);
      }
    }
    return out;
  }

  private boolean namespaceSelected(MonitorRuntime rt, MonitorSettings s, String ns) {
    if (!rt.cluster()) {
      return rt.namespace.equals(ns);
    }
    if (s.namespaceSelector().isEmpty()) {
      return true; // a ClusterTrafficMonitor without namespaceSelector: every namespace
    }
    if (namespaceInformer == null) {
      return false;
    }
    Namespace n = namespaceInformer.getStore().getByKey(ns);
    return n != null && Selectors.matches(s.namespaceSelector().get(), n.getMetadata().getLabels());
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
    // never the agent's lock inside the collector's: resize() takes them the other way round
    synchronized (collector) { // not while resize() switches maps
      src = source;
      if (src == null || datapath == null) {
        return;
      }
      now = System.nanoTime();
      r = collector.collect(src, routing, now, idle);
    }
    synchronized (this) { // not while closeTcpHealth runs
      if (tcpHealth != null) {
        Map<Long, CgroupTcpStats> cgroups = tcpHealth.cgroups();
        Map<DropKey, Long> drops = tcpHealth.drops();
        for (MonitorRuntime rt : served.values()) {
          rt.tcp.collect(cgroups, drops, rt.index, rt.nodeDrops() ? nodeNetnsInode : -1);
        }
      }
    }
    FlowDatapath dp = datapath;
    if (dp == null) {
      return; // closed meanwhile
    }
    nodeMetrics.collected(r, src.capacity(), dp.counters());
    lastCollect = now;
    collectedOnce = true;
    if (r.evicted() > 0) {
      checkpointDue = true; // the kernel no longer has what was attributed of them
    }
    checkpoint(now, false);
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
    if (connections != null && tcpHealth != null) {
      synchronized (this) {
        if (tcpHealth != null) {
          tcpHealth.removeClosed();
        }
      }
    }
    return next == Long.MAX_VALUE ? IDLE_POLL_NANOS : Math.max(IDLE_POLL_NANOS / 20, next);
  }

  private synchronized List<TcpConnection> connections() {
    return tcpHealth == null ? List.of() : tcpHealth.connections();
  }

  private void writeStatus(MonitorRuntime rt, List<TcpConnection> connections) {
    List<String> errs = new ArrayList<>(rt.errors);
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
    NodeStatus st =
        rt.status.build(
            rt.view.snapshot(rt.settings.topN()),
            tcpHealth == null ? null : rt.tcp.totals(),
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
    return reconciled && (runtimes.isEmpty() || datapath != null);
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

  private void deleteCheckpoint(Path dir) {
    try {
      Checkpoint.delete(dir);
    } catch (java.io.IOException e) {
      LOG.warnf("checkpoint not removed: %s", e.getMessage());
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
    for (SharedIndexInformer<?> i :
        new SharedIndexInformer<?>[] {
          monitorInformer, clusterInformer, podInformer, namespaceInformer, nodeInformer
        }) {
      if (i != null) {
        i.close();
      }
    }
    synchronized (this) {
      if (keep && datapath != null && source != null) {
        try {
          collector.collect(source, routing, System.nanoTime(), Long.MAX_VALUE);
        } catch (RuntimeException e) {
          LOG.warnf("last collection failed: %s", e.getMessage());
        }
        checkpoint(System.nanoTime(), true);
      }
      if (attacher != null) {
        if (keep) {
          attacher.release();
        } else {
          attacher.close();
        }
      }
      if (!keep && config.pinDir().isPresent()) {
        Attacher.removePins(config.pinDir().get());
        config.stateDir().ifPresent(this::deleteCheckpoint);
      }
      if (datapath != null) {
        datapath.close();
        datapath = null;
        source = null;
      }
      if (!keep && config.pinDir().isPresent()) {
        FlowDatapath.removePins(config.pinDir().get());
      }
      closeTcpHealth();
    }
  }
}
