package io.trafficmonitor.agent;

import io.trafficmonitor.api.v1alpha1.Filter;
import io.trafficmonitor.api.v1alpha1.FlowSettings;
import io.trafficmonitor.api.v1alpha1.Protocol;
import io.trafficmonitor.api.v1alpha1.Selector;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.bpf.Cidr;
import io.trafficmonitor.bpf.FilterRule;
import io.trafficmonitor.bpf.PortRange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The spec as the agent uses it, with defaults applied: what to attach where, the in-kernel filter
 * rules, and the timing of collection and status.
 */
public record MonitorSettings(
    Selector podSelector,
    Optional<Selector> namespaceSelector,
    List<Glob> interfaces,
    boolean ingress,
    boolean egress,
    List<FilterRule> filters,
    Duration interval,
    Duration statusInterval,
    int topN,
    int maxTracked,
    Duration idleTimeout) {

  static final Duration MIN_INTERVAL = Duration.ofMillis(10);

  /** Reads the spec; a field the API server should have refused falls back to its default. */
  public static MonitorSettings of(TrafficMonitorSpec spec, Optional<Duration> statusOverride) {
    TrafficMonitorSpec s = spec == null ? new TrafficMonitorSpec() : spec;
    FlowSettings f = s.getFlows() == null ? new FlowSettings() : s.getFlows();
    Duration interval = Durations.parseOr(s.getInterval(), Duration.ofSeconds(1));
    if (interval.compareTo(MIN_INTERVAL) < 0) {
      interval = MIN_INTERVAL;
    }
    Duration status =
        statusOverride.orElse(Durations.parseOr(s.getStatusInterval(), Duration.ofSeconds(10)));
    List<Glob> globs = new ArrayList<>();
    for (String i : s.getInterfaces() == null ? List.<String>of() : s.getInterfaces()) {
      globs.add(Glob.compile(i));
    }
    var dir =
        s.getDirection() == null ? io.trafficmonitor.api.v1alpha1.Direction.Both : s.getDirection();
    return new MonitorSettings(
        s.getPodSelector(),
        Optional.ofNullable(s.getNamespaceSelector()),
        List.copyOf(globs),
        dir != io.trafficmonitor.api.v1alpha1.Direction.Egress,
        dir != io.trafficmonitor.api.v1alpha1.Direction.Ingress,
        filterRules(s.getFilters(), s.getPorts()),
        interval,
        status,
        f.getTopN() == null ? 10 : Math.max(0, Math.min(100, f.getTopN())),
        f.getMaxTracked() == null ? 65536 : Math.max(1024, f.getMaxTracked()),
        Durations.parseOr(f.getIdleTimeout(), Duration.ofSeconds(30)));
  }

  /** True when the spec selects pods at all (a missing or empty podSelector selects none). */
  public boolean selectsPods() {
    return podSelector != null && !podSelector.empty();
  }

  /**
   * spec.filters (ORed) ANDed with spec.ports (either side): one kernel rule per filter, each
   * carrying the port list; with ports and no filters, one rule with the ports; neither: none
   * (everything counted).
   */
  public static List<FilterRule> filterRules(List<Filter> filters, List<String> ports) {
    List<PortRange> portRanges = new ArrayList<>();
    for (String p : ports == null ? List.<String>of() : ports) {
      portRanges.add(PortRange.parse(p));
    }
    List<FilterRule> rules = new ArrayList<>();
    if (filters == null || filters.isEmpty()) {
      if (!portRanges.isEmpty()) {
        rules.add(new FilterRule(null, null, null, null, portRanges, null, null, null));
      }
      return rules;
    }
    for (Filter f : filters) {
      List<Integer> protocols = new ArrayList<>();
      for (Protocol p : f.getProtocols() == null ? List.<Protocol>of() : f.getProtocols()) {
        protocols.add(protocolNumber(p));
      }
      rules.add(
          new FilterRule(
              f.getSource() == null ? null : List.of(Cidr.parse(f.getSource())),
              f.getDestination() == null ? null : List.of(Cidr.parse(f.getDestination())),
              f.getSourcePort() == null ? null : List.of(PortRange.parse(f.getSourcePort())),
              f.getDestinationPort() == null
                  ? null
                  : List.of(PortRange.parse(f.getDestinationPort())),
              portRanges,
              java.util.Set.copyOf(protocols),
              null,
              null));
    }
    return rules;
  }

  static int protocolNumber(Protocol p) {
    return switch (p) {
      case TCP -> 6;
      case UDP -> 17;
      case SCTP -> 132;
      case ICMP -> 1;
      case ICMPv6 -> 58;
      case GRE -> 47;
      case ESP -> 50;
    };
  }
}
