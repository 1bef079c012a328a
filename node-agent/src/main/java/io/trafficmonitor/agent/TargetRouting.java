package io.trafficmonitor.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.Routing;
import io.trafficmonitor.agent.spec.MonitorSettings;
import io.trafficmonitor.agent.target.Attachment;
import io.trafficmonitor.agent.target.Links;
import io.trafficmonitor.agent.target.PodLookup;
import io.trafficmonitor.agent.target.PodResolver;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.agent.target.TargetPlan;
import io.trafficmonitor.agent.watch.PodWatch;
import io.trafficmonitor.api.v1alpha1.InterfaceHook;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * The targets of the served monitors, for a reconcile ({@link Serving}): each monitor's plan (its
 * selected pods and the node's interfaces, {@link TargetPlan}), and the node-wide {@link Routing}
 * of the plans, which hands each monitor its targets, pods and errors and forgets what it no longer
 * counts.
 */
final class TargetRouting {
  private static final Logger LOG = Logger.getLogger(TargetRouting.class);

  private final Optional<Path> nodeNetns;
  private final PodWatch pods;
  private final PodResolver resolver;
  private final Collector collector;

  TargetRouting(
      Optional<Path> nodeNetns, PodWatch pods, PodResolver resolver, Collector collector) {
    this.nodeNetns = nodeNetns;
    this.pods = pods;
    this.resolver = resolver;
    this.collector = collector;
  }

  /** The targets of every monitor on this node: its selected pods and the node's interfaces. */
  Map<MonitorRuntime, TargetPlan> plan(Iterable<MonitorRuntime> served, List<String> nodeErrs) {
    List<Links.Link> links;
    try {
      links = Links.list(nodeNetns);
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
  Routing route(
      Map<MonitorRuntime, TargetPlan> plans,
      Map<Attachment, String> failed,
      Map<Integer, String> ingressHooks,
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
      rt.ingressHooks = s.ingress() ? hooks(idx, ingressHooks) : null;
      rt.metrics.targets(plan.pods(), plan.interfaces());
      rt.errors = List.copyOf(list);
    }
    return new Routing(new TargetIndex(cgroups, interfaces, netns), subscriptions);
  }

  /**
   * What counts the ingress of each node interface of a monitor, by name (TC unless attached by
   * XDP); null when it has none.
   */
  private static List<InterfaceHook> hooks(TargetIndex idx, Map<Integer, String> byIfindex) {
    List<InterfaceHook> out = new ArrayList<>();
    idx.interfaces()
        .forEach(
            (ifindex, t) -> {
              if (t.kind() == Target.Kind.NODE_INTERFACE) {
                out.add(new InterfaceHook(t.iface(), byIfindex.getOrDefault(ifindex, "TC")));
              }
            });
    out.sort(Comparator.comparing(InterfaceHook::getName));
    return out.isEmpty() ? null : out;
  }
}
