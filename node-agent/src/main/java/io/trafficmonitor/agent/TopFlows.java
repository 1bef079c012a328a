package io.trafficmonitor.agent;

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
      Collection<FlowEntry> flows, int n, Applications applications) {
    if (n <= 0) {
      return List.of();
    }
    // The busiest n * SIGHTINGS entries hold the busiest n tuples: an entry busier than the n-th
    // tuple's best belongs to one of the n busiest tuples, each seen at most SIGHTINGS times.
    Comparator<FlowEntry> byInterval = Comparator.comparingLong(TopFlows::interval);
    int k = n * SIGHTINGS;
    PriorityQueue<FlowEntry> heap = new PriorityQueue<>(k + 1, byInterval);
    for (FlowEntry e : flows) {
      long v = interval(e);
      if (e.target == null || v <= 0) {
        continue;
      }
      if (heap.size() < k) {
        heap.add(e);
      } else if (v > interval(heap.peek())) {
        heap.poll();
        heap.add(e);
      }
    }
    List<FlowEntry> candidates = new ArrayList<>(heap);
    candidates.sort(byInterval.reversed());
    List<FlowEntry> top = new ArrayList<>(n);
    for (FlowEntry e : candidates) {
      if (top.stream().noneMatch(t -> t.id.sameTuple(e.id))) {
        top.add(e);
        if (top.size() == n) {
          break;
        }
      }
    }
    List<StatusSnapshot.TopFlow> out = new ArrayList<>(top.size());
    for (FlowEntry e : top) {
      FlowKey key = e.id.decode();
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
              e.target.podKey(),
              e.totalBytes,
              e.totalPackets,
              e.totalPayload,
              interval(e),
              FlowStats.meanInterArrival(e.intervals, e.intervalSumNanos),
              FlowStats.jitter(e.intervals, e.intervalSumNanos, e.intervalSumSquaresMicros)));
    }
    return out;
  }

  private static long interval(FlowEntry e) {
    return e.totalBytes - e.markBytes;
  }
}
