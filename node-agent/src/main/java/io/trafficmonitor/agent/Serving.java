package io.trafficmonitor.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.trafficmonitor.agent.attach.Datapath;
import io.trafficmonitor.agent.attach.KernelCheck;
import io.trafficmonitor.agent.collect.Checkpointing;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.Routing;
import io.trafficmonitor.agent.export.NodeMetrics;
import io.trafficmonitor.agent.spec.MonitorSettings;
import io.trafficmonitor.agent.target.Attachment;
import io.trafficmonitor.agent.target.CgroupLayout;
import io.trafficmonitor.agent.target.PodResolver;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetPlan;
import io.trafficmonitor.agent.watch.MonitorWatch;
import io.trafficmonitor.agent.watch.MonitorWatch.Monitor;
import io.trafficmonitor.agent.watch.PodWatch;
import io.trafficmonitor.api.v1alpha1.Peer;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.names.PeerDirectory;
import io.trafficmonitor.names.PeerIndex;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * What the agent serves, and the reconcile that changes it: the monitors that select the node
 * ({@link MonitorRuntime}s, by namespace/name) and the node-wide {@link Routing} of their targets,
 * both replaced as a whole by {@link #reconcile} and read by the collect and status loops.
 *
 * <p>A reconcile reads the monitors and their specs ({@link MonitorSettings}), makes sure the
 * programs are loaded and large enough ({@link Datapath#ensureOpen}), applies the node-wide kernel
 * settings ({@link Datapath#apply}), plans each monitor's targets ({@link PodWatch}, {@link
 * TargetPlan}), attaches their union ({@link Datapath#attach}), routes each target to the monitors
 * that count it, and publishes the routing.
 *
 * <p>Its monitor is the serving lock, the agent's one lock: held by a reconcile, by a collection
 * while it reads the TCP figures ({@link CollectLoop}), by the status loop around the TCP
 * connection table ({@link StatusLoop}), and by {@link Agent#close}. The collector's lock is only
 * ever taken inside it.
 */
final class Serving {
  private static final Logger LOG = Logger.getLogger(Serving.class);

  /** How often the collect and status loops look again when nothing is due (no monitor served). */
  static final long IDLE_POLL_NANOS = Duration.ofMillis(200).toNanos();

  private final AgentConfig config;
  private final KubernetesClient client;
  private final NodeMetrics nodeMetrics;
  private final Collector collector;
  private final String cgroupProblem;
  private final TargetRouting targets;
  private final MonitorWatch monitors;
  private final Datapath datapath;
  private final Checkpointing checkpoints;

  /** Where a monitor's status entry is removed: API calls never delay a reconcile. */
  private final Executor statusThread;

  private volatile KernelCheck kernel;

  /** How long a reconcile waits for the names of peers, the first time a monitor asks for them. */
  private static final Duration PEER_SYNC_LIMIT = Duration.ofSeconds(10);

  /** Names peers for the monitors that ask (spec.flows.peers); started by the first of them. */
  private PeerIndex peerIndex;

  /** The monitors served, by namespace/name; replaced as a whole by the reconcile thread. */
  private volatile Map<String, MonitorRuntime> runtimes = Map.of();

  private volatile Routing routing = Routing.EMPTY;
  private volatile boolean reconciled;

  Serving(
      AgentConfig config,
      KubernetesClient client,
      NodeMetrics nodeMetrics,
      Collector collector,
      MonitorWatch monitors,
      PodWatch pods,
      Datapath datapath,
      Checkpointing checkpoints,
      Executor statusThread) {
    this.config = config;
    this.client = client;
    this.nodeMetrics = nodeMetrics;
    this.collector = collector;
    Optional<Path> root = config.cgroupRoot().or(CgroupLayout::findRoot);
    this.cgroupProblem = CgroupLayout.problem(config.cgroupRoot(), root);
    PodResolver resolver =
        new PodResolver(
            cgroupProblem == null ? root : Optional.empty(),
            config.cgroupDriver(),
            config.nodeNetns(),
            config.hostProc());
    this.targets = new TargetRouting(config.nodeNetns(), pods, resolver, collector);
    this.monitors = monitors;
    this.datapath = datapath;
    this.checkpoints = checkpoints;
    this.statusThread = statusThread;
  }

  /** Probes the kernel: what can run, and the status errors for what cannot. */
  void probeKernel() {
    TcMode mode = TcMode.valueOf(config.tcMode().toUpperCase(Locale.ROOT));
    kernel = KernelCheck.probe(mode, config.flowValues(), cgroupProblem);
  }

  /** The monitors served, by namespace/name (name alone for a ClusterTrafficMonitor). */
  Map<String, MonitorRuntime> runtimes() {
    return runtimes;
  }

  /** Which monitors count each target, as the last reconcile published it. */
  Routing routing() {
    return routing;
  }

  /** Ready once the monitors are read and, when one selects the node, the programs loaded. */
  boolean ready() {
    return reconciled && (runtimes.isEmpty() || datapath.flows() != null);
  }

  /**
   * The reconcile: the monitors that select the node and their specs, then {@link #apply}; the
   * monitors no longer served stop once the routing without them is published.
   */
  synchronized void reconcile() {
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
        } else if (s.mixesPodsAndInterfaces()) {
          errs.get(rt)
              .add(
                  "spec: "
                      + TrafficMonitorSpec.PODS_OR_INTERFACES_MESSAGE
                      + "; its interfaces are ignored");
          s = s.podsOnly();
        }
        rt.settings = s;
        rt.view.applications(s.applications()); // names of flows bound from now on
        rt.view.jitter(s.jitter());
        rt.view.interval(s.interval());
        rt.view.peers(s.peers() ? peerNames(rt.namespace) : null);
        rt.view.prefixes(s.prefixThreshold());
        rt.generation = tm.generation(); // a spec refused here leaves the generation applied
      } catch (IllegalArgumentException e) {
        errs.get(rt).add("spec: " + e.getMessage());
        if (rt.settings == null) { // nothing counted until the spec is fixed
          rt.settings = MonitorSettings.of(null, config.statusInterval());
        }
      }
      next.put(key, rt);
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
    Map<MonitorRuntime, TargetPlan> plans = targets.plan(next.values(), nodeErrs);
    Map<Attachment, String> failed = datapath.attach(TargetPlan.union(plans.values()));
    nodeMetrics.attachErrors(failed.size());
    publish(targets.route(plans, failed, datapath.ingressHooks(), errs, nodeErrs), next);
  }

  /**
   * Loads the flow programs (once; larger ones when a monitor asks for more flows) and the TCP
   * health tracepoints; continues from the previous agent's checkpoint when its maps were adopted.
   * False when nothing can be attached; the node's errors (the kernel's first) are in nodeErrs.
   */
  private boolean open(Map<String, MonitorRuntime> next, List<String> nodeErrs) {
    if (kernel == null) {
      probeKernel();
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

  /**
   * What names a remote address as a monitor in {@code namespace} (null: a ClusterTrafficMonitor)
   * may see it; the cluster's pods, Services, nodes, ReplicaSets and Jobs are watched from the
   * first monitor on this node that asks for peers (spec.flows.peers) until the agent stops.
   */
  private Function<String, Peer> peerNames(String namespace) {
    if (peerIndex == null) {
      peerIndex = PeerIndex.start(client);
      // Named from the first packet on: flows bound before the names are known would count their
      // first bytes as World's.
      if (peerIndex.awaitSynced(PEER_SYNC_LIMIT)) {
        LOG.info("watching pods, Services, nodes, ReplicaSets and Jobs to name peers");
      } else {
        LOG.warnf(
            "the cluster's pods, Services, nodes, ReplicaSets and Jobs are not listed after %s"
                + " (RBAC?): peers are World until they are",
            PEER_SYNC_LIMIT);
      }
    }
    PeerIndex index = peerIndex;
    return address -> PeerDirectory.visibleFrom(index.resolve(address), namespace);
  }

  /** Stops watching what names peers (the agent stops). */
  void closePeerNames() {
    if (peerIndex != null) {
      peerIndex.close();
      peerIndex = null;
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
}
