package io.trafficmonitor.operator;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Where the operator itself is installed, from configuration (the chart sets both: the namespace
 * from the downward API, the Deployment by name). The agent DaemonSet lives in this namespace,
 * never in a tenant's, and belongs to this Deployment, so that uninstalling the operator removes
 * the agents with it.
 *
 * @param namespace the operator's namespace: the agent DaemonSet's
 * @param deployment the operator's Deployment, owner of the agent DaemonSet; empty when the
 *     operator runs outside one (tests, a developer's machine), and the DaemonSet then stays after
 *     it
 */
public record OperatorSettings(String namespace, String deployment) {

  public static final String PREFIX = "trafficmonitor.operator.";

  public OperatorSettings {
    if (namespace.isBlank()) {
      throw new IllegalArgumentException(PREFIX + "namespace must name a namespace");
    }
  }

  public static OperatorSettings defaults() {
    return new OperatorSettings("trafficmonitor-system", "");
  }

  /** The settings from MicroProfile Config, falling back to {@link #defaults()}. */
  public static OperatorSettings fromConfig() {
    Config c = ConfigProvider.getConfig();
    OperatorSettings d = defaults();
    return new OperatorSettings(
        c.getOptionalValue(PREFIX + "namespace", String.class).orElse(d.namespace),
        c.getOptionalValue(PREFIX + "deployment", String.class).orElse(d.deployment));
  }

  private static final class Holder {
    static final OperatorSettings CURRENT = fromConfig();
  }

  /** The settings of this process, read once. */
  public static OperatorSettings current() {
    return Holder.CURRENT;
  }
}
