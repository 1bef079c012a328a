package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/**
 * What to monitor and where. Every field reaches the running agents through their watch on this
 * resource; none places or rolls them (where agents run is the chart's to say), so nodeSelector and
 * tolerations only narrow the nodes this monitor covers among those running an agent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.interval) || !has(self.statusInterval)"
            + " || !self.interval.matches('"
            + Cel.DURATION_RE
            + "') || !self.statusInterval.matches('"
            + Cel.DURATION_RE
            + "') || duration(self.statusInterval) >= duration(self.interval)",
    message =
        "statusInterval must not be shorter than interval: agents report at most once per"
            + " collection")
@ValidationRule(
    value =
        "!has(self.interval) || !has(self.flows) || !has(self.flows.idleTimeout)"
            + " || !self.interval.matches('"
            + Cel.DURATION_RE
            + "') || !self.flows.idleTimeout.matches('"
            + Cel.DURATION_RE
            + "') || duration(self.flows.idleTimeout) >= duration(self.interval)",
    message = "flows.idleTimeout must not be shorter than interval")
@ValidationRule(
    value = "!has(self.alerts) || !has(self.alerts.maxPacketLossRatio) || has(self.sequence)",
    message =
        "alerts.maxPacketLossRatio needs spec.sequence: loss is measured from the packets'"
            + " sequence numbers")
@ValidationRule(
    value = TrafficMonitorSpec.PODS_OR_INTERFACES,
    message = TrafficMonitorSpec.PODS_OR_INTERFACES_MESSAGE)
@ValidationRule(
    value =
        "!has(self.interfaceIngressHook) || self.interfaceIngressHook != 'XDP'"
            + " || (has(self.interfaces) && size(self.interfaces) > 0)",
    message =
        "interfaceIngressHook XDP needs spec.interfaces: it is how node interfaces' ingress is"
            + " counted")
public class TrafficMonitorSpec {

  /**
   * CEL: a monitor counts pods or node interfaces, never both. A pod's packets also cross its
   * node's interfaces, so one monitor's totals, talkers, prefixes and bandwidth alert would count
   * them twice; two monitors cost the agents no more than one.
   */
  static final String PODS_OR_INTERFACES =
      "!has(self.interfaces) || size(self.interfaces) == 0 || !has(self.podSelector)"
          + " || ((!has(self.podSelector.matchLabels) || size(self.podSelector.matchLabels) == 0)"
          + " && (!has(self.podSelector.matchExpressions)"
          + " || size(self.podSelector.matchExpressions) == 0))";

  public static final String PODS_OR_INTERFACES_MESSAGE =
      "a monitor counts pods or node interfaces, not both: a pod's packets cross its node's"
          + " interfaces too, so one monitor's totals and alerts would count them twice; make one"
          + " ClusterTrafficMonitor with podSelector and another with interfaces (the agents' cost"
          + " does not grow with the number of monitors)";

  /** CEL: applications {@code a} and {@code b} name the same port for a common protocol. */
  static final String SAME_PORT =
      "b.port == a.port && (!has(a.protocol) || !has(b.protocol) || a.protocol == b.protocol)";

  @JsonPropertyDescription(
      "Pods whose traffic is counted (by their cgroup and host-side veth): of the monitor's"
          + " own namespace (TrafficMonitor) or of the namespaces namespaceSelector selects"
          + " (ClusterTrafficMonitor). Missing or empty selects no pods. A monitor of node interfaces"
          + " selects none: it counts pods or interfaces, never both (a pod's packets cross the"
          + " node's interfaces too).")
  private Selector podSelector;

  @JsonPropertyDescription(
      "ClusterTrafficMonitor only: the namespaces whose pods podSelector selects. Missing:"
          + " every namespace. A TrafficMonitor refuses it (its own namespace only).")
  private Selector namespaceSelector;

  @JsonPropertyDescription(
      "Narrows the nodes this monitor covers among those running an agent to those whose"
          + " labels match all of these. Missing or empty: every node running an agent. Where"
          + " agents run is the chart's agent.nodeSelector/tolerations/priorityClassName.")
  @Size(max = 32)
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription(
      "Narrows the nodes this monitor covers among those running an agent: a node with"
          + " NoSchedule or NoExecute taints is covered only when these tolerate all of them."
          + " Where agents run is the chart's agent.nodeSelector/tolerations/priorityClassName.")
  @Size(max = 32)
  private List<Toleration> tolerations;

  @JsonPropertyDescription(
      "ClusterTrafficMonitor only: node interfaces to monitor with TC programs, as names or"
          + " shell globs (eth0, ens*, eth[0-3]). Missing or empty: none, only the selected pods."
          + " Refused beside a podSelector that selects pods: a pod's packets cross the node's"
          + " interfaces too, so pods and interfaces are counted by separate monitors."
          + " A TrafficMonitor refuses it (node traffic is every tenant's).")
  @Size(max = 16)
  @ValidationRule(
      value = "self.all(i, i.matches('^[-A-Za-z0-9_.:@+*?!\\\\[\\\\]]+$'))",
      message = "interfaces must be interface names or globs such as eth0, ens* or eth[0-3]")
  private List<@Size(min = 1, max = 15) String> interfaces;

  @JsonPropertyDescription(
      "How the ingress of the interfaces is counted: TC (default) or XDP, in the driver (native"
          + " XDP; status.nodes[].ingressHooks says which counts each interface). Both count the"
          + " same packets and bytes. Egress is counted by TC either way. An interface whose"
          + " driver has no XDP, or that already has an XDP program (another tool's, which it"
          + " keeps), is counted by TC, with an error in the status: generic XDP would count a"
          + " GSO or GRO batch as one packet.")
  @Default("TC")
  private IngressHook interfaceIngressHook;

  @JsonPropertyDescription(
      "Ports (80) or inclusive port ranges (8000-8100) of either side of a flow; only flows"
          + " that touch one of them are counted. Missing or empty: all ports.")
  @Size(max = 32)
  @ValidationRule(value = Cel.PORTS_FORMAT, message = Cel.PORTS_FORMAT_MESSAGE)
  @ValidationRule(value = Cel.PORTS_BOUNDS, message = Cel.PORT_BOUNDS_MESSAGE)
  @ValidationRule(value = Cel.PORTS_ORDER, message = Cel.PORT_ORDER_MESSAGE)
  private List<@Size(min = 1, max = 11) String> ports;

  @JsonPropertyDescription(
      "Traffic filters, ORed: a packet is counted when it matches any of them. Missing or"
          + " empty: all traffic of the selected pods and interfaces.")
  @Size(max = 32)
  private List<Filter> filters;

  @JsonPropertyDescription("Which way of the traffic is counted: Ingress, Egress or Both.")
  @Default("Both")
  private Direction direction;

  @JsonPropertyDescription(
      "How often the agents read their counters, as a duration from 10ms to 1h (500ms, 1s,"
          + " 1m30s).")
  @Default("1s")
  @Size(max = 32)
  @ValidationRule(
      value = Cel.DURATION_FORMAT,
      message = "interval must be a duration such as 10ms, 1s or 1m30s")
  @ValidationRule(
      value =
          Cel.IF_DURATION
              + "duration(self) >= duration('10ms') && duration(self) <= duration('1h')",
      message = "interval must be between 10ms and 1h")
  private String interval;

  @JsonPropertyDescription(
      "How often each agent writes its entry of status.nodes, from 1s to 1h. An agent that"
          + " has not written for three of these makes the monitor Degraded.")
  @Default("10s")
  @Size(max = 32)
  @ValidationRule(
      value = Cel.DURATION_FORMAT,
      message = "statusInterval must be a duration such as 5s, 10s or 1m")
  @ValidationRule(
      value =
          Cel.IF_DURATION + "duration(self) >= duration('1s') && duration(self) <= duration('1h')",
      message = "statusInterval must be between 1s and 1h")
  private String statusInterval;

  @JsonPropertyDescription("How flows are tracked and ranked.")
  private FlowSettings flows;

  @JsonPropertyDescription(
      "Sequence-number loss measurement: UDP or ICMP packets whose payload carries a 32-bit"
          + " big-endian sequence number (at offset, or offset bytes after a 4-byte pattern) are"
          + " followed per flow, and reordering, gaps and estimated loss are reported in"
          + " status.nodes[].sequence. Missing: not measured.")
  private Sequence sequence;

  @JsonPropertyDescription(
      "Names for the flows of more ports, up to 64, added to the built-in ones (HTTP 80,"
          + " HTTPS 443, DNS 53); a flow whose port on either side is listed gets the name as its"
          + " application in status.nodes[].topFlows. Each port may be named once per protocol"
          + " (an entry without protocol covers both TCP and UDP).")
  @Size(max = 64)
  @ValidationRule(
      value = "self.all(a, self.filter(b, " + TrafficMonitorSpec.SAME_PORT + ").size() == 1)",
      message =
          "applications must give each port one name per protocol: two entries share a port and"
              + " a protocol (an entry without protocol covers both TCP and UDP)")
  private List<Application> applications;

  @JsonPropertyDescription(
      "Alert thresholds; when set and the Prometheus Operator is installed, the operator keeps"
          + " a PrometheusRule with these alerts (a TrafficMonitor's beside it, a"
          + " ClusterTrafficMonitor's in the operator's namespace).")
  private Alerts alerts;

  @JsonPropertyDescription(
      "Heavy prefixes: the source and destination address prefixes that carry at least a share"
          + " of the monitor's bytes, in status.summary.heavyPrefixes. Missing: on, with a 5%"
          + " threshold.")
  private PrefixSettings prefixes;

  public Selector getPodSelector() {
    return podSelector;
  }

  public void setPodSelector(Selector podSelector) {
    this.podSelector = podSelector;
  }

  public Selector getNamespaceSelector() {
    return namespaceSelector;
  }

  public void setNamespaceSelector(Selector namespaceSelector) {
    this.namespaceSelector = namespaceSelector;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public List<String> getInterfaces() {
    return interfaces;
  }

  public void setInterfaces(List<String> interfaces) {
    this.interfaces = interfaces;
  }

  public IngressHook getInterfaceIngressHook() {
    return interfaceIngressHook;
  }

  public void setInterfaceIngressHook(IngressHook interfaceIngressHook) {
    this.interfaceIngressHook = interfaceIngressHook;
  }

  public List<String> getPorts() {
    return ports;
  }

  public void setPorts(List<String> ports) {
    this.ports = ports;
  }

  public List<Filter> getFilters() {
    return filters;
  }

  public void setFilters(List<Filter> filters) {
    this.filters = filters;
  }

  public Direction getDirection() {
    return direction;
  }

  public void setDirection(Direction direction) {
    this.direction = direction;
  }

  public String getInterval() {
    return interval;
  }

  public void setInterval(String interval) {
    this.interval = interval;
  }

  public String getStatusInterval() {
    return statusInterval;
  }

  public void setStatusInterval(String statusInterval) {
    this.statusInterval = statusInterval;
  }

  public FlowSettings getFlows() {
    return flows;
  }

  public void setFlows(FlowSettings flows) {
    this.flows = flows;
  }

  public Sequence getSequence() {
    return sequence;
  }

  public void setSequence(Sequence sequence) {
    this.sequence = sequence;
  }

  public List<Application> getApplications() {
    return applications;
  }

  public void setApplications(List<Application> applications) {
    this.applications = applications;
  }

  public Alerts getAlerts() {
    return alerts;
  }

  public void setAlerts(Alerts alerts) {
    this.alerts = alerts;
  }

  public PrefixSettings getPrefixes() {
    return prefixes;
  }

  public void setPrefixes(PrefixSettings prefixes) {
    this.prefixes = prefixes;
  }
}
