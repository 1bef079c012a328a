package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Alert thresholds turned into a PrometheusRule; a threshold left out raises no alert. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Alerts {

  @JsonPropertyDescription("Alert when a node receives or sends more bytes per second than this.")
  @ValidationRule(value = "self > 0.0", message = "maxBytesPerSecond must be greater than 0")
  private Double maxBytesPerSecond;

  @JsonPropertyDescription("Alert when dropped packets exceed this share of packets, 0 to 1.")
  @ValidationRule(
      value = "self >= 0.0 && self <= 1.0",
      message = "maxPacketLossRatio must be between 0 and 1, such as 0.01 for 1%")
  private Double maxPacketLossRatio;

  @JsonPropertyDescription("Alert when TCP retransmits exceed this share of packets, 0 to 1.")
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
