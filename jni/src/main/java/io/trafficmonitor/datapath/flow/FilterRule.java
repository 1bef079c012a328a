package io.trafficmonitor.datapath.flow;

import io.trafficmonitor.bpf.Direction;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One filter rule; a packet is accounted when it matches any rule of the set (an empty set matches
 * everything). Inside a rule every condition must hold; an empty list, empty set or null matches
 * all. A rule with port conditions matches only protocols with ports (TCP, UDP, UDP-Lite, SCTP).
 * {@code ports} match either side.
 */
public record FilterRule(
    List<Cidr> sources,
    List<Cidr> destinations,
    List<PortRange> sourcePorts,
    List<PortRange> destinationPorts,
    List<PortRange> ports,
    Set<Integer> protocols,
    Direction direction,
    TargetKind kind) {

  public FilterRule {
    sources = List.copyOf(sources == null ? List.of() : sources);
    destinations = List.copyOf(destinations == null ? List.of() : destinations);
    sourcePorts = List.copyOf(sourcePorts == null ? List.of() : sourcePorts);
    destinationPorts = List.copyOf(destinationPorts == null ? List.of() : destinationPorts);
    ports = List.copyOf(ports == null ? List.of() : ports);
    protocols = Set.copyOf(protocols == null ? Set.of() : protocols);
    for (int p : protocols) {
      if (p < 0 || p > 255) {
        throw new IllegalArgumentException("protocol out of range: " + p);
      }
    }
  }

  /**
   * Whether a flow matches this rule: the same semantics as the kernel's {@code rule_match}
   * (bpf/lib/filter.h), for user-space checks and tests.
   */
  public boolean matches(FlowKey k) {
    boolean hasPorts =
        k.protocol() == 6 || k.protocol() == 17 || k.protocol() == 136 || k.protocol() == 132;
    if (direction != null && direction != k.direction()) {
      return false;
    }
    if (kind != null && kind != k.kind()) {
      return false;
    }
    if (!protocols.isEmpty() && !protocols.contains(k.protocol())) {
      return false;
    }
    if (!sources.isEmpty() && sources.stream().noneMatch(c -> c.contains(k.source()))) {
      return false;
    }
    if (!destinations.isEmpty()
        && destinations.stream().noneMatch(c -> c.contains(k.destination()))) {
      return false;
    }
    if (!sourcePorts.isEmpty()
        && !(hasPorts && sourcePorts.stream().anyMatch(r -> r.contains(k.sourcePort())))) {
      return false;
    }
    if (!destinationPorts.isEmpty()
        && !(hasPorts
            && destinationPorts.stream().anyMatch(r -> r.contains(k.destinationPort())))) {
      return false;
    }
    return ports.isEmpty()
        || (hasPorts
            && ports.stream()
                .anyMatch(r -> r.contains(k.sourcePort()) || r.contains(k.destinationPort())));
  }

  /** Whether a set of rules accounts a flow: empty set, or any rule matches. */
  public static boolean accounts(List<FilterRule> rules, FlowKey k) {
    return rules.isEmpty() || rules.stream().anyMatch(r -> r.matches(k));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Fluent construction: {@code builder().source("10.0.0.0/8").destinationPort("22").build()}. */
  public static final class Builder {
    private final List<Cidr> sources = new ArrayList<>();
    private final List<Cidr> destinations = new ArrayList<>();
    private final List<PortRange> sourcePorts = new ArrayList<>();
    private final List<PortRange> destinationPorts = new ArrayList<>();
    private final List<PortRange> ports = new ArrayList<>();
    private final Set<Integer> protocols = new TreeSet<>();
    private Direction direction;
    private TargetKind kind;

    public Builder source(String cidr) {
      sources.add(Cidr.parse(cidr));
      return this;
    }

    public Builder destination(String cidr) {
      destinations.add(Cidr.parse(cidr));
      return this;
    }

    public Builder sourcePort(String portOrRange) {
      sourcePorts.add(PortRange.parse(portOrRange));
      return this;
    }

    public Builder destinationPort(String portOrRange) {
      destinationPorts.add(PortRange.parse(portOrRange));
      return this;
    }

    /** Either side. */
    public Builder port(String portOrRange) {
      ports.add(PortRange.parse(portOrRange));
      return this;
    }

    /** An IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...). */
    public Builder protocol(int protocol) {
      protocols.add(protocol);
      return this;
    }

    public Builder direction(Direction d) {
      direction = d;
      return this;
    }

    public Builder kind(TargetKind k) {
      kind = k;
      return this;
    }

    public FilterRule build() {
      return new FilterRule(
          sources, destinations, sourcePorts, destinationPorts, ports, protocols, direction, kind);
    }
  }
}
