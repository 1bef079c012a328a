package io.trafficmonitor.operator.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.v1alpha1.DropReason;
import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.GoDuration;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.PrefixSettings;
import io.trafficmonitor.api.v1alpha1.SequenceStatus;
import io.trafficmonitor.api.v1alpha1.Summary;
import io.trafficmonitor.api.v1alpha1.Talker;
import io.trafficmonitor.api.v1alpha1.TcpFlowControl;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Computes the operator's part of the status (observedGeneration, conditions, summary) from the
 * agents' {@code status.nodes} entries, the agent DaemonSet's rollout and the nodes the monitor
 * covers among those running an agent; the same for a TrafficMonitor and a ClusterTrafficMonitor
 * (same spec, same status). Pure: the clock is a parameter.
 */
public final class StatusAggregator {

  /** An agent is late after this many status intervals without writing its entry. */
  public static final int STALE_AFTER_INTERVALS = 3;

  static final Duration DEFAULT_STATUS_INTERVAL = Duration.ofSeconds(10);
  static final int DEFAULT_TOP_N = 10;
  private static final int MAX_MESSAGE = 1024;

  /** status.summary.topTalkers keeps the busiest this many addresses (the schema's maxItems). */
  static final int MAX_TALKERS = 10;

  /** status.nodes keeps this many nodes' entries, whatever the number of nodes. */
  public static final int MAX_NODE_ENTRIES = 10;

  private static final ObjectMapper JSON = Serialization.jsonMapper();

  /** status.summary.dropReasons keeps the busiest this many reasons (the schema's maxItems). */
  static final int MAX_REASONS = 16;

  private StatusAggregator() {}

  /** How often agents write their entries. */
  public static Duration statusInterval(
      CustomResource<TrafficMonitorSpec, TrafficMonitorStatus> tm) {
    return tm.getSpec() == null
        ? DEFAULT_STATUS_INTERVAL
        : GoDuration.parseOr(tm.getSpec().getStatusInterval(), DEFAULT_STATUS_INTERVAL);
  }

  /**
   * The status from the agents' entries (pulled from them, see {@code AgentPuller}): conditions,
   * summary over every entry, and per-node detail only for {@link #MAX_NODE_ENTRIES} nodes (the
   * late, failing and behind first, then the busiest), so that the size is bounded whatever the
   * number of nodes.
   */
  public static TrafficMonitorStatus desired(
      CustomResource<TrafficMonitorSpec, TrafficMonitorStatus> tm,
      AgentFleet agents,
      List<NodeStatus> pulled,
      Instant now) {
    List<NodeStatus> entries = new ArrayList<>(pulled);
    entries.sort(Comparator.comparing(n -> Objects.toString(n.getNode(), "")));
    Instant staleBefore = now.minus(statusInterval(tm).multipliedBy(STALE_AFTER_INTERVALS));
    List<NodeStatus> fresh = new ArrayList<>();
    List<NodeStatus> stale = new ArrayList<>();
    for (NodeStatus n : entries) {
      Instant last = lastUpdate(n);
      (last != null && !last.isBefore(staleBefore) ? fresh : stale).add(n);
    }
    List<Condition> previous = tm.getStatus() == null ? null : tm.getStatus().getConditions();
    Long generation = tm.getMetadata().getGeneration();

    int covered = agents.covered(tm.getSpec());

    TrafficMonitorStatus status = new TrafficMonitorStatus();
    status.setObservedGeneration(generation);
    status.setSummary(summary(tm, covered, entries, fresh));
    status.setConditions(
        List.of(
            ready(agents, covered, fresh, previous, generation, now),
            degraded(tm, fresh, stale, previous, generation, now)));
    status.setNodes(shown(entries, stale, generation));
    return status;
  }

  /**
   * The entries status.nodes keeps: at most {@link #MAX_NODE_ENTRIES}, first the nodes that need a
   * look (late, reporting errors, or behind the current generation), then the busiest by rate and
   * bytes; in node order, without their top flows, talkers and heavy prefixes (the summary merges
   * those). Null when there are none, so that the stored status reads back the same.
   */
  static List<NodeStatus> shown(List<NodeStatus> entries, List<NodeStatus> stale, Long generation) {
    if (entries.isEmpty()) {
      return null;
    }
    Comparator<NodeStatus> attention =
        Comparator.comparing(
                (NodeStatus n) ->
                    stale.contains(n)
                        || (n.getErrors() != null && !n.getErrors().isEmpty())
                        || (generation != null
                            && n.getObservedGeneration() != null
                            && n.getObservedGeneration() < generation))
            .reversed();
    Comparator<NodeStatus> busiest =
        Comparator.comparing(
                (NodeStatus n) -> orZero(n.getRxBitsPerSecond()) + orZero(n.getTxBitsPerSecond()))
            .thenComparing(n -> orZero(n.getRxBytes()) + orZero(n.getTxBytes()))
            .reversed();
    List<NodeStatus> kept = new ArrayList<>(entries);
    kept.sort(
        attention.thenComparing(busiest).thenComparing(n -> Objects.toString(n.getNode(), "")));
    List<NodeStatus> out = new ArrayList<>();
    for (NodeStatus n : kept.subList(0, Math.min(MAX_NODE_ENTRIES, kept.size()))) {
      NodeStatus c = JSON.convertValue(n, NodeStatus.class);
      c.setTopFlows(null);
      c.setTopTalkers(null);
      c.setHeavyPrefixes(null);
      out.add(c);
    }
    out.sort(Comparator.comparing(n -> Objects.toString(n.getNode(), "")));
    return out;
  }

  /**
   * {@link #desired} with Ready=False because the operator failed; Degraded is kept as computed.
   */
  public static TrafficMonitorStatus failed(
      CustomResource<TrafficMonitorSpec, TrafficMonitorStatus> tm,
      AgentFleet agents,
      List<NodeStatus> pulled,
      Instant now,
      String message) {
    TrafficMonitorStatus status = desired(tm, agents, pulled, now);
    List<Condition> previous = tm.getStatus() == null ? null : tm.getStatus().getConditions();
    status.setConditions(
        List.of(
            Conditions.next(
                previous,
                Conditions.READY,
                false,
                Conditions.RECONCILE_FAILED,
                truncate(message),
                tm.getMetadata().getGeneration(),
                now),
            status.getConditions().get(1)));
    return status;
  }

  /**
   * Ready: the agent DaemonSet is applied and rolled out, and every agent on a node this monitor
   * covers reports, each with the monitor's current generation applied. The first reason that
   * holds, in this order, is the one shown.
   */
  private static Condition ready(
      AgentFleet agents,
      int covered,
      List<NodeStatus> fresh,
      List<Condition> previous,
      Long generation,
      Instant now) {
    int reporting = fresh.size();
    // an entry without observedGeneration comes from an agent older than the field: not behind
    long behind =
        fresh.stream()
            .filter(
                n ->
                    generation != null
                        && n.getObservedGeneration() != null
                        && n.getObservedGeneration() < generation)
            .count();
    DaemonSet ds = agents.daemonSet();
    DaemonSetStatus s = ds == null ? null : ds.getStatus();
    boolean ok = false;
    String reason;
    String message;
    if (agents.applyError() != null) {
      reason = Conditions.RECONCILE_FAILED;
      message = truncate("cannot apply the agent DaemonSet: " + agents.applyError());
    } else if (s == null || s.getObservedGeneration() == null) {
      reason = Conditions.AGENTS_PENDING;
      message = "waiting for the DaemonSet controller to schedule the agents";
    } else {
      int scheduled = orZero(s.getDesiredNumberScheduled());
      int updated = orZero(s.getUpdatedNumberScheduled());
      boolean current =
          ds.getMetadata().getGeneration() == null
              || s.getObservedGeneration() >= ds.getMetadata().getGeneration();
      if (scheduled == 0) {
        reason = Conditions.NO_NODES_SELECTED;
        message =
            "no node runs an agent: none matches the installation's agent nodeSelector,"
                + " tolerations and architectures";
      } else if (!current || updated < scheduled) {
        reason = Conditions.ROLLING_OUT;
        message = updated + " of " + scheduled + " agents run the current pod template";
      } else if (covered == 0) {
        reason = Conditions.NO_NODES_SELECTED;
        message =
            "none of the "
                + agents.nodes().size()
                + " nodes running an agent matches nodeSelector and tolerations";
      } else if (reporting < covered) {
        reason = Conditions.AGENTS_NOT_REPORTING;
        message = reporting + " of " + covered + " agents report";
      } else if (behind > 0) {
        reason = Conditions.SPEC_NOT_APPLIED;
        message =
            behind
                + " of "
                + reporting
                + " agents still report an older spec than generation "
                + generation;
      } else {
        ok = true;
        reason = Conditions.AGENTS_REPORTING;
        message = "all " + covered + " agents report";
      }
    }
    return Conditions.next(previous, Conditions.READY, ok, reason, message, generation, now);
  }

  private static Condition degraded(
      CustomResource<TrafficMonitorSpec, TrafficMonitorStatus> tm,
      List<NodeStatus> fresh,
      List<NodeStatus> stale,
      List<Condition> previous,
      Long generation,
      Instant now) {
    if (!stale.isEmpty()) {
      Duration interval = statusInterval(tm);
      List<String> parts = new ArrayList<>();
      for (NodeStatus n : stale) {
        parts.add(
            n.getNode()
                + (n.getLastUpdate() == null
                    ? " (never)"
                    : " (last at " + n.getLastUpdate() + ")"));
      }
      String message =
          (stale.size() == 1 ? "the agent on node " : "the agents on nodes ")
              + String.join(", ", parts)
              + (stale.size() == 1 ? " has" : " have")
              + " not reported for more than "
              + STALE_AFTER_INTERVALS
              + " status intervals of "
              + human(interval);
      return Conditions.next(
          previous,
          Conditions.DEGRADED,
          true,
          Conditions.AGENT_NOT_REPORTING,
          truncate(message),
          generation,
          now);
    }
    List<String> errors = new ArrayList<>();
    for (NodeStatus n : fresh) {
      if (n.getErrors() != null) {
        for (String e : n.getErrors()) {
          errors.add(n.getNode() + ": " + e);
        }
      }
    }
    if (!errors.isEmpty()) {
      return Conditions.next(
          previous,
          Conditions.DEGRADED,
          true,
          Conditions.AGENT_ERRORS,
          truncate(String.join("; ", errors)),
          generation,
          now);
    }
    return Conditions.next(
        previous,
        Conditions.DEGRADED,
        false,
        Conditions.AGENTS_HEALTHY,
        "no agent is late or reports an error",
        generation,
        now);
  }

  private static Summary summary(
      CustomResource<TrafficMonitorSpec, TrafficMonitorStatus> tm,
      int covered,
      List<NodeStatus> all,
      List<NodeStatus> fresh) {
    Summary s = new Summary();
    s.setNodes(covered);
    s.setReady(fresh.size());
    s.setNodesReady(fresh.size() + "/" + covered);
    s.setPods((int) sum(fresh, n -> n.getPods() == null ? null : n.getPods().longValue()));
    s.setRxBytes(sum(all, NodeStatus::getRxBytes));
    s.setTxBytes(sum(all, NodeStatus::getTxBytes));
    s.setRxPackets(sum(all, NodeStatus::getRxPackets));
    s.setTxPackets(sum(all, NodeStatus::getTxPackets));
    s.setRxPayloadBytes(sum(all, NodeStatus::getRxPayloadBytes));
    s.setTxPayloadBytes(sum(all, NodeStatus::getTxPayloadBytes));
    s.setRxBitsPerSecond(sum(fresh, NodeStatus::getRxBitsPerSecond));
    s.setTxBitsPerSecond(sum(fresh, NodeStatus::getTxBitsPerSecond));
    s.setRxRate(Rates.format(s.getRxBitsPerSecond()));
    s.setTxRate(Rates.format(s.getTxBitsPerSecond()));
    s.setActiveFlows(sum(fresh, NodeStatus::getActiveFlows));
    s.setUniqueFlows(sum(all, NodeStatus::getUniqueFlows));
    s.setUniquePeers(sum(all, NodeStatus::getUniquePeers));
    s.setConnectionsOpen(sum(fresh, NodeStatus::getConnectionsOpen));
    s.setRetransmits(sum(all, NodeStatus::getRetransmits));
    s.setDrops(sum(all, NodeStatus::getDrops));
    s.setFlowControl(flowControl(all));
    s.setDropReasons(dropReasons(all));
    s.setTopTalkers(topTalkers(all));
    s.setHeavyPrefixes(
        PrefixMerge.merge(
            all,
            PrefixSettings.thresholdOf(tm.getSpec() == null ? null : tm.getSpec().getPrefixes())));
    s.setSequence(sequence(all));
    s.setTopFlows(topFlows(tm, fresh));
    return s;
  }

  /** Drop counts merged by reason over the nodes, busiest first, at most {@link #MAX_REASONS}. */
  static List<DropReason> dropReasons(List<NodeStatus> nodes) {
    return mergeTop(
        nodes,
        NodeStatus::getDropReasons,
        DropReason::getReason,
        DropReason::getPackets,
        DropReason::new,
        MAX_REASONS);
  }

  /** Top talkers merged by address over the nodes, busiest first, at most {@link #MAX_TALKERS}. */
  static List<Talker> topTalkers(List<NodeStatus> nodes) {
    return mergeTop(
        nodes,
        NodeStatus::getTopTalkers,
        Talker::getAddress,
        Talker::getBytes,
        Talker::new,
        MAX_TALKERS);
  }

  /**
   * The nodes' lists of named counts merged by name (counts summed), busiest first with ties by
   * name, at most {@code limit}; null when no node reports any, so that the stored status reads
   * back the same as an absent list rather than [].
   */
  static <T> List<T> mergeTop(
      List<NodeStatus> nodes,
      Function<NodeStatus, List<T>> items,
      Function<T, String> name,
      Function<T, Long> count,
      BiFunction<String, Long, T> make,
      int limit) {
    Map<String, Long> merged = new HashMap<>();
    for (NodeStatus n : nodes) {
      List<T> list = items.apply(n);
      if (list == null) {
        continue;
      }
      for (T t : list) {
        if (t != null && name.apply(t) != null) {
          merged.merge(name.apply(t), orZero(count.apply(t)), Long::sum);
        }
      }
    }
    if (merged.isEmpty()) {
      return null;
    }
    return merged.entrySet().stream()
        .sorted(
            Map.Entry.<String, Long>comparingByValue()
                .reversed()
                .thenComparing(Map.Entry.comparingByKey()))
        .limit(limit)
        .map(e -> make.apply(e.getKey(), e.getValue()))
        .toList();
  }

  /** The sequence counters summed over the nodes that report them; null when none does. */
  static SequenceStatus sequence(List<NodeStatus> nodes) {
    List<SequenceStatus> reported =
        nodes.stream().map(NodeStatus::getSequence).filter(Objects::nonNull).toList();
    if (reported.isEmpty()) {
      return null;
    }
    SequenceStatus s = new SequenceStatus();
    s.setReceived(sumOf(reported, SequenceStatus::getReceived));
    s.setReverse(sumOf(reported, SequenceStatus::getReverse));
    s.setSmallGaps(sumOf(reported, SequenceStatus::getSmallGaps));
    s.setBigGaps(sumOf(reported, SequenceStatus::getBigGaps));
    s.setLost(sumOf(reported, SequenceStatus::getLost));
    return s;
  }

  private static List<Flow> topFlows(
      CustomResource<TrafficMonitorSpec, TrafficMonitorStatus> tm, List<NodeStatus> fresh) {
    int topN =
        tm.getSpec() != null
                && tm.getSpec().getFlows() != null
                && tm.getSpec().getFlows().getTopN() != null
            ? tm.getSpec().getFlows().getTopN()
            : DEFAULT_TOP_N;
    List<Flow> flows = new ArrayList<>();
    for (NodeStatus n : fresh) {
      if (n.getTopFlows() == null) {
        continue;
      }
      for (Flow f : n.getTopFlows()) {
        Flow copy = copy(f);
        copy.setNode(n.getNode());
        flows.add(copy);
      }
    }
    flows.sort(
        Comparator.comparing((Flow f) -> orZero(f.getBitsPerSecond()))
            .thenComparing(f -> orZero(f.getBytes()))
            .reversed()
            .thenComparing(f -> Objects.toString(f.getNode(), "")));
    if (flows.isEmpty()) {
      return null; // left out rather than [], so the stored status reads back the same
    }
    return flows.size() > topN ? List.copyOf(flows.subList(0, topN)) : flows;
  }

  private static Flow copy(Flow f) {
    Flow c = new Flow();
    c.setSource(f.getSource());
    c.setDestination(f.getDestination());
    c.setSourcePort(f.getSourcePort());
    c.setDestinationPort(f.getDestinationPort());
    c.setProtocol(f.getProtocol());
    c.setPod(f.getPod());
    c.setBytes(f.getBytes());
    c.setPackets(f.getPackets());
    c.setBitsPerSecond(f.getBitsPerSecond());
    c.setPayloadBytes(f.getPayloadBytes());
    c.setApplication(f.getApplication());
    c.setMeanInterArrivalMicros(f.getMeanInterArrivalMicros());
    c.setJitterMicros(f.getJitterMicros());
    c.setRttMicros(f.getRttMicros());
    c.setRetransmits(f.getRetransmits());
    return c;
  }

  private static Instant lastUpdate(NodeStatus n) {
    if (n.getLastUpdate() == null) {
      return null;
    }
    try {
      return Instant.parse(n.getLastUpdate());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The nodes' flow-control figures summed, each over the nodes that report it; null if none. */
  static TcpFlowControl flowControl(List<NodeStatus> nodes) {
    List<TcpFlowControl> f =
        nodes.stream().map(NodeStatus::getFlowControl).filter(Objects::nonNull).toList();
    if (f.isEmpty()) {
      return null;
    }
    return new TcpFlowControl(
        sumOf(f, TcpFlowControl::getZeroWindowPeer),
        sumOf(f, TcpFlowControl::getZeroWindowLocal),
        sumOf(f, TcpFlowControl::getWindowLimited),
        sumOf(f, TcpFlowControl::getConnectionsWithoutWindowScaling));
  }

  private static long sum(List<NodeStatus> nodes, Function<NodeStatus, Long> field) {
    return sumOf(nodes, field);
  }

  private static <T> long sumOf(List<T> items, Function<T, Long> field) {
    long total = 0;
    for (T item : items) {
      Long v = field.apply(item);
      total += v == null ? 0 : v;
    }
    return total;
  }

  private static int orZero(Integer v) {
    return v == null ? 0 : v;
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }

  private static String human(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long s = d.toSeconds();
    return s % 60 != 0 || s < 60 ? s + "s" : s / 60 + "m";
  }

  private static String truncate(String message) {
    return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE - 1) + "…";
  }
}
