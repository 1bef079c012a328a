package io.trafficmonitor.operator;

import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** {@link AgentSettings} for tests: the defaults but for the few fields a test sets. */
public final class AgentSettingsBuilder {
  private final AgentSettings d = AgentSettings.defaults();
  private String flowValues = d.flowValues();
  private int maxSeries = d.maxSeries();
  private String priorityClassName = d.priorityClassName();
  private Map<String, String> nodeSelector = d.nodeSelector();
  private List<Toleration> tolerations = d.tolerations();
  private String tlsSecret = d.tlsSecret();
  private String tlsServerName = d.tlsServerName();

  private AgentSettingsBuilder() {}

  /** Starts from {@link AgentSettings#defaults()}. */
  public static AgentSettingsBuilder defaults() {
    return new AgentSettingsBuilder();
  }

  public AgentSettingsBuilder flowValues(String flowValues) {
    this.flowValues = flowValues;
    return this;
  }

  public AgentSettingsBuilder maxSeries(int maxSeries) {
    this.maxSeries = maxSeries;
    return this;
  }

  public AgentSettingsBuilder priorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
    return this;
  }

  public AgentSettingsBuilder nodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
    return this;
  }

  public AgentSettingsBuilder tolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
    return this;
  }

  /** Agents serving HTTPS with the certificate in Secret {@code secret}, for {@code serverName}. */
  public AgentSettingsBuilder tls(String secret, String serverName) {
    this.tlsSecret = secret;
    this.tlsServerName = serverName;
    return this;
  }

  /** The settings; the record's checks apply here. */
  public AgentSettings build() {
    return new AgentSettings(
        d.image(),
        d.imagePullPolicy(),
        d.cpuRequest(),
        d.memoryRequest(),
        d.cpuLimit(),
        d.memoryLimit(),
        d.metricsPort(),
        d.serviceAccount(),
        flowValues,
        maxSeries,
        priorityClassName,
        nodeSelector,
        tolerations,
        d.architectures(),
        tlsSecret,
        tlsServerName,
        d.tlsCaFile());
  }
}
