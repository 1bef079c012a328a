package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Alert thresholds, which the operator turns into the monitor's own PrometheusRule (the only owner
 * of these meanings: docs/runbooks.md); a threshold left out raises no alert.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Alerts {

  @JsonPropertyDescription(
      "Alert when the monitor's pods together receive, or send, more L3 bytes per second than"
          + " this (each packet counted once, at the pods' sockets: a packet between two selected"
          + " pods is sent once and received once), or when one of its node interfaces on one node"
          + " does.")
  @ValidationRule(value = "self > 0.0", message = "maxBytesPerSecond must be greater than 0")
  private Double maxBytesPerSecond;

  @JsonPropertyDescription(
      "Alert when packets lost, from sequence numbers, exceed this share of the packets sent"
          + " (lost / (received + lost)), 0 to 1. Needs spec.sequence.")
  @ValidationRule(
      value = "self >= 0.0 && self <= 1.0",
      message = "maxPacketLossRatio must be between 0 and 1, such as 0.01 for 1%")
  private Double maxPacketLossRatio;

  @JsonPropertyDescription(
      "Alert when the TCP segments the monitor's pods retransmit exceed this share of the TCP"
          + " packets they send, 0 to 1.")
  @ValidationRule(
      value = "self >= 0.0 && self <= 1.0",
      message = "maxRetransmitRatio must be between 0 and 1, such as 0.05 for 5%")
  private Double maxRetransmitRatio;

  @JsonProperty("for")
  @JsonPropertyDescription("How long a threshold must be exceeded before the alert fires.")
  @Default("1m")
  @Size(max = 32)
  @ValidationRule(value = Cel.DURATION_FORMAT, message = "alerts.for must be a duration such as 1m")
  private String forDuration;

  @JsonPropertyDescription("Severity label of the alerts: info, warning or critical.")
  @Default("warning")
  @Size(max = 16)
  @ValidationRule(
      value = "self in ['info', 'warning', 'critical']",
      message = "severity must be info, warning or critical")
  private String severity;

  public Double getMaxBytesPerSecond() {
    return maxBytesPerSecond;
  }

  public void setMaxBytesPerSecond(Double maxBytesPerSecond) {
    this.maxBytesPerSecond = maxBytesPerSecond;
  }

  public Double getMaxPacketLossRatio() {
    return maxPacketLossRatio;
  }

  public void setMaxPacketLossRatio(Double maxPacketLossRatio) {
    this.maxPacketLossRatio = maxPacketLossRatio;
  }

  public Double getMaxRetransmitRatio() {
    return maxRetransmitRatio;
  }

  public void setMaxRetransmitRatio(Double maxRetransmitRatio) {
    this.maxRetransmitRatio = maxRetransmitRatio;
  }

  public String getForDuration() {
    return forDuration;
  }

  public void setForDuration(String forDuration) {
    this.forDuration = forDuration;
  }

  public String getSeverity() {
    return severity;
  }

  public void setSeverity(String severity) {
    this.severity = severity;
  }
}
