package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.datapath.flow.FilterRule;
import io.trafficmonitor.datapath.flow.FlowKey;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the node's kernel flows go: the node-wide {@link TargetIndex} (what every attached cgroup
 * and interface stands for) and, for each target, the monitors that want its traffic with their own
 * filters and directions. One kernel flow feeds every monitor that accepts it; a monitor's figures
 * are those of the flows it accepts, so several monitors on one pod with different settings are
 * each exact for their own selection. Immutable: a reconcile builds a new one.
 */
public final class Routing {
  /** A monitor's interest in a target: its view, its filter rules and directions. */
  public record Subscription(MonitorView view, List<FilterRule> rules, boolean in, boolean out) {
    public Subscription {
      rules = List.copyOf(rules);
    }

    /** Whether this monitor counts a flow seen at its target in this direction. */
    boolean accepts(FlowKey key, boolean ingress) {
      return (ingress ? in : out) && FilterRule.accounts(rules, key);
    }
  }

  public static final Routing EMPTY = new Routing(TargetIndex.EMPTY, Map.of());

  private final TargetIndex index;
  private final Map<Target, List<Subscription>> subscriptions;
  private final List<MonitorView> views;

  public Routing(TargetIndex index, Map<Target, List<Subscription>> subscriptions) {
    this.index = index;
    Map<Target, List<Subscription>> copy = new HashMap<>();
    subscriptions.forEach((t, l) -> copy.put(t, List.copyOf(l)));
    this.subscriptions = Map.copyOf(copy);
    Set<MonitorView> all = new LinkedHashSet<>();
    copy.values().forEach(l -> l.forEach(x -> all.add(x.view())));
    this.views = List.copyOf(all);
  }

  /** Every target of {@code index} to one view, without filters, both directions. */
  public static Routing all(TargetIndex index, MonitorView view) {
    Map<Target, List<Subscription>> subs = new HashMap<>();
    Subscription s = new Subscription(view, List.of(), true, true);
    index.cgroups().values().forEach(t -> subs.put(t, List.of(s)));
    index.interfaces().values().forEach(t -> subs.put(t, List.of(s)));
    return new Routing(index, subs);
  }

  public TargetIndex index() {
    return index;
  }

  /** The monitors that want this target's traffic, in any direction. */
  public List<Subscription> subscriptions(Target t) {
    return subscriptions.getOrDefault(t, List.of());
  }

  /** Every view that some target routes to. */
  public List<MonitorView> views() {
    return views;
  }
}
