package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.spec.Applications;
import io.trafficmonitor.datapath.flow.FlowKey;
import io.trafficmonitor.datapath.flow.FlowStats;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The busiest flows of a status interval. A 5-tuple seen at several places (the sender's cgroup,
 * the receiver's cgroup, a veth) is reported once, with the largest count seen for it.
 */
final class TopFlows {
  private TopFlows() {}

  /** At most this many places see one 5-tuple on a node (2 cgroups, 2 veths, interfaces). */
  static final int SIGHTINGS = 8;

  static List<StatusSnapshot.TopFlow> select(
      Collection<Binding> flows, int n, Applications applications) {
    if (n <= 0) {
      return List.of();
    }
    // The busiest n * SIGHTINGS entries hold the busiest n tuples: an entry busier than the n-th
    // tuple's best belongs to one of the n busiest tuples, each seen at most SIGHTINGS times.
    Comparator<Binding> byInterval = Comparator.comparingLong(Binding::interval);
    int k = n * SIGHTINGS;
    PriorityQueue<Binding> heap = new PriorityQueue<>(k + 1, byInterval);
    for (Binding e : flows) {
      long v = e.interval();
      if (v <= 0) {
        continue;
      }
      if (heap.size() < k) {
        heap.add(e);
      } else if (v > heap.peek().interval()) {
        heap.poll();
        heap.add(e);
      }
    }
    List<Binding> candidates = new ArrayList<>(heap);
    candidates.sort(byInterval.reversed());
    List<Binding> top = new ArrayList<>(n);
    for (Binding e : candidates) {
      if (top.stream().noneMatch(t -> t.flow.id.sameTuple(e.flow.id))) {
        top.add(e);
        if (top.size() == n) {
          break;
        }
      }
    }
    List<StatusSnapshot.TopFlow> out = new ArrayList<>(top.size());
    for (Binding e : top) {
      FlowEntry f = e.flow;
      FlowKey key = f.id.decode();
      boolean ports = key.protocol() == 6 || key.protocol() == 17 || key.protocol() == 132;
      if (e.application == null) {
        e.application =
            ports ? applications.name(key.protocol(), key.sourcePort(), key.destinationPort()) : "";
      }
      out.add(
          new StatusSnapshot.TopFlow(
              key.sourceAddress().getHostAddress(),
              key.destinationAddress().getHostAddress(),
              ports ? key.sourcePort() : null,
              ports ? key.destinationPort() : null,
              Protocols.specName(key.protocol()),
              e.application.isEmpty() ? null : e.application,
              f.target.podKey(),
              e.totalBytes,
              e.totalPackets,
              e.totalPayload,
              e.interval(),
              FlowStats.meanInterArrival(f.intervals, f.intervalSumNanos),
              FlowStats.jitter(f.intervals, f.intervalSumNanos, f.intervalSumSquaresMicros)));
    }
    return out;
  }
}
