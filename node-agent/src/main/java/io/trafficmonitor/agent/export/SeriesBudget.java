package io.trafficmonitor.agent.export;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The agent's cardinality budget: at most {@code limit} samples of monitor series on /metrics,
 * whatever the number of monitors and pods (docs/metrics.md, "Cardinality budget"). A sample is one
 * line of a scrape: a counter or a gauge is 1, a histogram series its buckets, {@code +Inf}, {@code
 * _sum} and {@code _count}. One budget per agent, owned by {@link NodeMetrics}; each monitor's
 * {@link AgentMetrics} asks it before it registers a group of series (a pod's bytes, packets,
 * payload and size histogram of one direction and protocol; a rate; a pod's TCP figures; a drop
 * reason) and gives the group's samples back when the group goes, through its {@link Account}.
 *
 * <p>Groups are admitted first come, first served, as long as they fit. A pod's per-hook view (its
 * veth, {@link Kind#POD_LINK}) repeats what its sockets count, so it is admitted only while the
 * budget is below {@link #LINK_SHARE} of the limit: it is what goes first, and the pods' own
 * families, node interfaces, TCP and drops keep the rest. The node's own families (no monitor
 * label) are outside the budget.
 */
public final class SeriesBudget {
  /** What a group of series is of: the {@code kind} label of the refused counter. */
  public enum Kind {
    /** {@code trafficmonitor_pod_*}: a pod's traffic at its sockets. */
    POD,
    /** {@code trafficmonitor_pod_link_*}: the same pod at its host-side veth; refused first. */
    POD_LINK,
    /** {@code trafficmonitor_interface_*}: a node interface. */
    INTERFACE,
    /** {@code trafficmonitor_tcp_*}: a pod's TCP figures and histograms. */
    TCP,
    /** {@code trafficmonitor_pod_drops_total}, {@code trafficmonitor_node_drops_total}. */
    DROPS;

    /** The label value. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The share of the limit above which {@link Kind#POD_LINK} groups are refused. */
  public static final double LINK_SHARE = 0.8;

  private final long limit;
  private final long linkLimit;
  private final Map<Kind, Counter> refused = new EnumMap<>(Kind.class);
  private long used;

  /** A budget of {@code limit} samples, with its meters in {@code registry}. */
  public SeriesBudget(MeterRegistry registry, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("the series budget must be positive, not " + limit);
    }
    this.limit = limit;
    this.linkLimit = (long) Math.floor(limit * LINK_SHARE);
    Gauge.builder("trafficmonitor.series", this, SeriesBudget::used)
        .description("Samples of monitor series the agent exports now (histograms: every bucket)")
        .strongReference(true)
        .register(registry);
    Gauge.builder("trafficmonitor.series.limit", this, SeriesBudget::limit)
        .description("Samples of monitor series the agent exports at most (agent.maxSeries)")
        .strongReference(true)
        .register(registry);
    for (Kind k : Kind.values()) {
      refused.put(
          k,
          Counter.builder("trafficmonitor.series.refused")
              .description(
                  "Groups of monitor series not exported because the series budget was reached")
              .tag("kind", k.label())
              .register(registry));
    }
  }

  /**
   * Takes {@code samples} for a group of {@code kind} if they fit; otherwise counts the refusal and
   * takes nothing.
   */
  public synchronized boolean take(Kind kind, int samples) {
    long max = kind == Kind.POD_LINK ? linkLimit : limit;
    if (used + samples > max) {
      refused.get(kind).increment();
      return false;
    }
    used += samples;
    return true;
  }

  /** Counts a group refused without asking (one whose own series were refused before). */
  public void refuse(Kind kind) {
    refused.get(kind).increment();
  }

  /** Takes {@code samples} whatever the budget (a monitor's own gauges, always exported). */
  public synchronized void charge(int samples) {
    used += samples;
  }

  /**
   * One monitor's account: {@code fixed} samples charged until it closes, and what each of its
   * groups took or was refused, by the group's key.
   */
  public Account open(int fixed) {
    charge(fixed);
    return new Account(fixed);
  }

  /** Gives back the samples of a group that goes. */
  public synchronized void give(int samples) {
    used -= samples;
  }

  /** Samples of monitor series exported now. */
  public synchronized long used() {
    return used;
  }

  public long limit() {
    return limit;
  }

  /** Groups of {@code kind} refused so far. */
  public long refused(Kind kind) {
    return (long) refused.get(kind).count();
  }

  /**
   * One monitor's groups in the budget: the samples each admitted group took (given back when it
   * goes, or all at once when the monitor goes) and the groups refused and not gone yet, for the
   * monitor's status. Not thread-safe: its monitor's metrics call it under their own lock.
   */
  public final class Account {
    private final int fixed;
    private final Map<Object, Integer> costs = new HashMap<>();
    private final Map<Object, Kind> refusedGroups = new HashMap<>();
    private boolean closed;

    private Account(int fixed) {
      this.fixed = fixed;
    }

    /**
     * Whether the group {@code key} may be registered: it is already, or its samples fit the budget
     * now (then they are taken). A refused group is remembered until it goes.
     */
    public boolean admit(Object key, Kind kind, int samples) {
      if (closed) {
        return false;
      }
      if (costs.containsKey(key)) {
        return true;
      }
      if (!take(kind, samples)) {
        refusedGroups.put(key, kind);
        return false;
      }
      refusedGroups.remove(key);
      costs.put(key, samples);
      return true;
    }

    /** Whether the group {@code key} is admitted. */
    public boolean admitted(Object key) {
      return costs.containsKey(key);
    }

    /** Whether the group {@code key} was refused and has not gone since. */
    public boolean refused(Object key) {
      return refusedGroups.containsKey(key);
    }

    /** Refuses the group {@code key} without asking (it depends on a group that was refused). */
    public void refuse(Object key, Kind kind) {
      SeriesBudget.this.refuse(kind);
      refusedGroups.put(key, kind);
    }

    /** The group {@code key} goes: its samples go back, or its refusal is forgotten. */
    public void release(Object key) {
      Integer samples = costs.remove(key);
      if (samples != null) {
        give(samples);
      }
      refusedGroups.remove(key);
    }

    /** The monitor goes: every sample of its account goes back. Safe twice. */
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      costs.values().forEach(SeriesBudget.this::give);
      give(fixed);
      costs.clear();
      refusedGroups.clear();
    }

    /**
     * The status error of the groups refused and not gone yet; null when there are none: {@code
     * series budget of N reached on this node: M groups of series of this monitor not exported
     * (...)}.
     */
    public String error() {
      if (refusedGroups.isEmpty()) {
        return null;
      }
      Map<Kind, Integer> byKind = new EnumMap<>(Kind.class);
      refusedGroups.values().forEach(k -> byKind.merge(k, 1, Integer::sum));
      List<String> kinds = new ArrayList<>();
      byKind.forEach((k, n) -> kinds.add(n + " " + k.label()));
      String link =
          byKind.containsKey(Kind.POD_LINK)
              ? "; pod_link stops at " + Math.round(LINK_SHARE * 100) + "% of it"
              : "";
      int n = refusedGroups.size();
      return "series budget of "
          + limit
          + " reached on this node: "
          + n
          + (n == 1 ? " group" : " groups")
          + " of series of this monitor not exported ("
          + String.join(", ", kinds)
          + link
          + "; raise agent.maxSeries)";
    }
  }
}
