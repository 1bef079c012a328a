package io.trafficmonitor.agent.spec;

import io.trafficmonitor.api.v1alpha1.Application;
import io.trafficmonitor.api.v1alpha1.Direction;
import io.trafficmonitor.api.v1alpha1.Filter;
import io.trafficmonitor.api.v1alpha1.FlowSettings;
import io.trafficmonitor.api.v1alpha1.GoDuration;
import io.trafficmonitor.api.v1alpha1.IngressHook;
import io.trafficmonitor.api.v1alpha1.PrefixSettings;
import io.trafficmonitor.api.v1alpha1.Protocol;
import io.trafficmonitor.api.v1alpha1.Selector;
import io.trafficmonitor.api.v1alpha1.Sequence;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.datapath.flow.Cidr;
import io.trafficmonitor.datapath.flow.FilterRule;
import io.trafficmonitor.datapath.flow.PortRange;
import io.trafficmonitor.datapath.flow.SequenceConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The spec as the agent uses it, with defaults applied: what to attach where (xdpIngress: the
 * interfaces' ingress at the driver instead of TC), the in-kernel filter rules, and the timing of
 * collection and status.
 */
public record MonitorSettings(
    Selector podSelector,
    Optional<Selector> namespaceSelector,
    List<Glob> interfaces,
    boolean xdpIngress,
    boolean ingress,
    boolean egress,
    List<FilterRule> filters,
    Duration interval,
    Duration statusInterval,
    int topN,
    int maxTracked,
    Duration idleTimeout,
    boolean jitter,
    boolean peers,
    SequenceConfig sequence,
    Applications applications,
    double prefixThreshold) {

  static final Duration MIN_INTERVAL = Duration.ofMillis(10);

  /** Reads the spec; a field the API server should have refused falls back to its default. */
  public static MonitorSettings of(TrafficMonitorSpec spec, Optional<Duration> statusOverride) {
    TrafficMonitorSpec s = spec == null ? new TrafficMonitorSpec() : spec;
    FlowSettings f = s.getFlows() == null ? new FlowSettings() : s.getFlows();
    Duration interval = GoDuration.parseOr(s.getInterval(), Duration.ofSeconds(1));
    if (interval.compareTo(MIN_INTERVAL) < 0) {
      interval = MIN_INTERVAL;
    }
    Duration status =
        statusOverride.orElse(GoDuration.parseOr(s.getStatusInterval(), Duration.ofSeconds(10)));
    List<Glob> globs = new ArrayList<>();
    for (String i : s.getInterfaces() == null ? List.<String>of() : s.getInterfaces()) {
      globs.add(Glob.compile(i));
    }
    var dir = s.getDirection() == null ? Direction.Both : s.getDirection();
    return new MonitorSettings(
        s.getPodSelector(),
        Optional.ofNullable(s.getNamespaceSelector()),
        List.copyOf(globs),
        s.getInterfaceIngressHook() == IngressHook.XDP,
        dir != Direction.Egress,
        dir != Direction.Ingress,
        filterRules(s.getFilters(), s.getPorts()),
        interval,
        status,
        f.getTopN() == null ? 10 : Math.max(0, Math.min(100, f.getTopN())),
        f.getMaxTracked() == null ? 65536 : Math.max(1024, f.getMaxTracked()),
        GoDuration.parseOr(f.getIdleTimeout(), Duration.ofSeconds(30)),
        Boolean.TRUE.equals(f.getJitter()),
        Boolean.TRUE.equals(f.getPeers()),
        sequence(s.getSequence()),
        applications(s.getApplications()),
        PrefixSettings.thresholdOf(s.getPrefixes()));
  }

  /**
   * spec.sequence for the datapath; null when absent. Values the API server should have refused
   * throw IllegalArgumentException, which the agent reports as a spec error.
   */
  static SequenceConfig sequence(Sequence q) {
    if (q == null || q.getProtocol() == null) {
      return null;
    }
    int proto =
        q.getProtocol() == Protocol.UDP
            ? SequenceConfig.UDP
            : q.getProtocol() == Protocol.ICMP || q.getProtocol() == Protocol.ICMPv6
                ? SequenceConfig.ICMP
                : -1;
    int offset = q.getOffset() == null ? 0 : q.getOffset();
    int gap = q.getGapThreshold() == null ? 10 : q.getGapThreshold();
    int window = q.getSearchWindow() == null ? 32 : q.getSearchWindow();
    if (q.getPattern() == null) {
      return SequenceConfig.atOffset(proto, offset, gap);
    }
    String hex =
        q.getPattern().startsWith("0x") || q.getPattern().startsWith("0X")
            ? q.getPattern().substring(2)
            : q.getPattern();
    byte[] pattern = HexFormat.of().parseHex(hex); // IllegalArgumentException: a spec error
    return SequenceConfig.afterPattern(proto, pattern, offset, window, gap);
  }

  /** spec.applications on top of the well-known names. */
  static Applications applications(List<Application> apps) {
    if (apps == null || apps.isEmpty()) {
      return Applications.DEFAULTS;
    }
    List<Applications.Entry> entries = new ArrayList<>();
    for (Application a : apps) {
      if (a.getName() == null || a.getPort() == null) {
        continue;
      }
      int proto = a.getProtocol() == null ? 0 : protocolNumber(a.getProtocol());
      entries.add(new Applications.Entry(a.getName(), a.getPort(), proto));
    }
    return new Applications(entries);
  }

  /**
   * These settings confined to the monitor's own namespace (a TrafficMonitor): no node interfaces,
   * no other namespaces. The API server refuses both for that kind; this holds should an older CRD
   * have let them through.
   */
  public MonitorSettings confined() {
    return withoutInterfaces(Optional.empty());
  }

  /**
   * These settings without node interfaces: a monitor that selects pods counts only them ({@link
   * #mixesPodsAndInterfaces}). The API server refuses both in one spec; this holds for one stored
   * before that rule.
   */
  public MonitorSettings podsOnly() {
    return withoutInterfaces(namespaceSelector);
  }

  /** True when the spec selects pods and node interfaces, which one monitor may not count both. */
  public boolean mixesPodsAndInterfaces() {
    return selectsPods() && !interfaces.isEmpty();
  }

  private MonitorSettings withoutInterfaces(Optional<Selector> namespaces) {
    return new MonitorSettings(
        podSelector,
        namespaces,
        List.of(),
        false,
        ingress,
        egress,
        filters,
        interval,
        statusInterval,
        topN,
        maxTracked,
        idleTimeout,
        jitter,
        peers,
        sequence,
        applications,
        prefixThreshold);
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
              Set.copyOf(protocols),
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
