package io.trafficmonitor.datapath.flow;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Test helpers over a flow read. */
final class Flows {
  private Flows() {}

  static List<Map.Entry<FlowKey, FlowStats>> read(FlowDatapath dp) {
    List<Map.Entry<FlowKey, FlowStats>> out = new ArrayList<>();
    dp.readFlows((k, v) -> out.add(Map.entry(k, v)));
    return out;
  }

  static List<Map.Entry<FlowKey, FlowStats>> matching(FlowDatapath dp, Predicate<FlowKey> filter) {
    return read(dp).stream().filter(e -> filter.test(e.getKey())).toList();
  }

  /** The one flow matching, or a failure listing what was there. */
  static FlowStats one(FlowDatapath dp, Predicate<FlowKey> filter) {
    List<Map.Entry<FlowKey, FlowStats>> all = read(dp);
    List<Map.Entry<FlowKey, FlowStats>> m =
        all.stream().filter(e -> filter.test(e.getKey())).toList();
    if (m.size() != 1) {
      throw new AssertionError("expected one matching flow, got " + m.size() + " of " + all);
    }
    return m.get(0).getValue();
  }

  static Predicate<FlowKey> udp(String src, int sport, String dst, int dport) {
    return k ->
        k.protocol() == FlowKey.UDP
            && k.sourcePort() == sport
            && k.destinationPort() == dport
            && k.sourceAddress().getHostAddress().equals(normalize(src))
            && k.destinationAddress().getHostAddress().equals(normalize(dst));
  }

  static String normalize(String addr) {
    try {
      return InetAddress.getByName(addr).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
