package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** How each agent tracks flows (5-tuples) and which ones it reports. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FlowSettings {

  @JsonPropertyDescription("How many of the busiest flows each node reports in status, 0 to 100.")
  @Default("10")
  @Min(0)
  @Max(100)
  private Integer topN;

  @JsonPropertyDescription(
      "Capacity of the per-node flow table, 1024 to 1048576; flows beyond it are counted in"
          + " the totals but not tracked one by one.")
  @Default("65536")
  @Min(1024)
  @Max(1048576)
  private Integer maxTracked;

  @JsonPropertyDescription("A flow without packets for this long is forgotten, 1s to 24h.")
  @Default("30s")
  @Size(max = 32)
  @ValidationRule(
      value = Cel.DURATION_FORMAT,
      message = "idleTimeout must be a duration such as 30s or 5m")
  @ValidationRule(
      value =
          Cel.IF_DURATION + "duration(self) >= duration('1s') && duration(self) <= duration('24h')",
      message = "idleTimeout must be between 1s and 24h")
  private String idleTimeout;

  @JsonPropertyDescription(
      "Measure each flow's mean packet inter-arrival time and its jitter (the standard deviation"
          + " of the inter-arrival times in the flow's current burst; a silence over 2s starts a"
          + " new burst), reported in topFlows as meanInterArrivalMicros and jitterMicros. Off by"
          + " default: it costs ~40 ns more per packet in the datapath (a precise timestamp and a"
          + " per-flow entry in a second map).")
  @Default("false")
  private Boolean jitter;

  @JsonPropertyDescription(
      "Count each pod's bytes and packets per peer in metrics, at workload granularity"
          + " (trafficmonitor_pod_peer_bytes_total, labels peer_kind, peer_namespace, peer_name:"
          + " a Deployment, StatefulSet, DaemonSet, CronJob or other controller; a Service; a pod"
          + " no controller owns; Node; World). A TrafficMonitor names only its own namespace's"
          + " peers: another namespace's are counted under their kind alone. Off by default: the"
          + " agents of the nodes this monitor covers then watch the cluster's pods, Services,"
          + " ReplicaSets and Jobs, about 1.2 KB of heap per pod of the cluster"
          + " (docs/benchmarks/peers.md), which the agent's 64 MiB heap holds up to about 20,000"
          + " pods.")
  @Default("false")
  private Boolean peers;

  public Integer getTopN() {
    return topN;
  }

  public void setTopN(Integer topN) {
    this.topN = topN;
  }

  public Integer getMaxTracked() {
    return maxTracked;
  }

  public void setMaxTracked(Integer maxTracked) {
    this.maxTracked = maxTracked;
  }

  public String getIdleTimeout() {
    return idleTimeout;
  }

  public void setIdleTimeout(String idleTimeout) {
    this.idleTimeout = idleTimeout;
  }

  public Boolean getJitter() {
    return jitter;
  }

  public void setJitter(Boolean jitter) {
    this.jitter = jitter;
  }

  public Boolean getPeers() {
    return peers;
  }

  public void setPeers(Boolean peers) {
    this.peers = peers;
  }
}
