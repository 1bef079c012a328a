package io.trafficmonitor.agent;

import io.trafficmonitor.bpf.FlowKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The busiest flows of a status interval. A 5-tuple seen at several places (the sender's cgroup,
 * the receiver's cgroup, a veth) is reported once, with the largest count seen for it.
 */
final class TopFlows {
  private TopFlows() {}

  static List<StatusSnapshot.TopFlow> select(Collection<FlowEntry> flows, int n) {
    if (n <= 0) {
      return List.of();
    }
    Map<Long, List<FlowEntry>> byTuple = new HashMap<>();
    for (FlowEntry e : flows) {
      if (e.target == null || e.totalBytes == e.markBytes) {
        continue;
      }
      List<FlowEntry> same = byTuple.computeIfAbsent(e.id.tupleHash(), k -> new ArrayList<>(2));
      boolean merged = false;
      for (int i = 0; i < same.size(); i++) {
        if (same.get(i).id.sameTuple(e.id)) {
          if (interval(e) > interval(same.get(i))) {
            same.set(i, e);
          }
          merged = true;
          break;
        }
      }
      if (!merged) {
        same.add(e);
      }
    }
    Comparator<FlowEntry> byInterval = Comparator.comparingLong(TopFlows::interval);
    PriorityQueue<FlowEntry> heap = new PriorityQueue<>(n + 1, byInterval);
    for (List<FlowEntry> same : byTuple.values()) {
      for (FlowEntry e : same) {
        heap.add(e);
        if (heap.size() > n) {
          heap.poll();
        }
      }
    }
    List<FlowEntry> top = new ArrayList<>(heap);
    top.sort(byInterval.reversed());
    List<StatusSnapshot.TopFlow> out = new ArrayList<>(top.size());
    for (FlowEntry e : top) {
      FlowKey k = e.id.decode();
      boolean ports = k.protocol() == 6 || k.protocol() == 17 || k.protocol() == 132;
      out.add(
          new StatusSnapshot.TopFlow(
              k.sourceAddress().getHostAddress(),
              k.destinationAddress().getHostAddress(),
              ports ? k.sourcePort() : null,
              ports ? k.destinationPort() : null,
              Protocols.specName(k.protocol()),
              e.target.podKey(),
              e.totalBytes,
              e.totalPackets,
              interval(e)));
    }
    return out;
  }

  private static long interval(FlowEntry e) {
    return e.totalBytes - e.markBytes;
  }
}
