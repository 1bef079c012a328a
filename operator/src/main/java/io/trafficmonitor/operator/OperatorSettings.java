package io.trafficmonitor.operator;

import java.util.UUID;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Where the operator itself is installed, from configuration (the chart sets the namespace from the
 * downward API and the Deployment by name). The agent DaemonSet lives in this namespace, never in a
 * tenant's, and belongs to this Deployment, so that uninstalling the operator removes the agents
 * with it. The replicas of the Deployment elect a leader with a Lease in this namespace: only the
 * leader reconciles (writes statuses, PrometheusRules) and keeps the agent DaemonSet.
 *
 * @param namespace the operator's namespace: the agent DaemonSet's and the leader Lease's
 * @param deployment the operator's Deployment, owner of the agent DaemonSet; empty when the
 *     operator runs outside one (tests, a developer's machine), and the DaemonSet then stays after
 *     it
 * @param leaderElection whether replicas elect a leader (the chart's default); without it the
 *     process reconciles at once, and two of them would write the same statuses
 * @param identity this replica's name in the Lease: the pod's name ({@code HOSTNAME}) unless set
 */
public record OperatorSettings(
    String namespace, String deployment, boolean leaderElection, String identity) {

  public static final String PREFIX = "trafficmonitor.operator.";

  /** The Lease the replicas compete for, in {@link #namespace}; the chart's Role names it. */
  public static final String LEASE = "trafficmonitor-operator";

  public OperatorSettings {
    if (namespace.isBlank()) {
      throw new IllegalArgumentException(PREFIX + "namespace must name a namespace");
    }
    if (identity.isBlank()) {
      throw new IllegalArgumentException(PREFIX + "identity must not be blank");
    }
  }

  /** In {@code namespace}, with leader election, named after this host. */
  public OperatorSettings(String namespace, String deployment) {
    this(namespace, deployment, true, defaultIdentity());
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
        c.getOptionalValue(PREFIX + "deployment", String.class).orElse(d.deployment),
        c.getOptionalValue(PREFIX + "leader-election", Boolean.class).orElse(d.leaderElection),
        c.getOptionalValue(PREFIX + "identity", String.class).orElse(d.identity));
  }

  /** The same settings with another identity (a second replica in tests). */
  public OperatorSettings withIdentity(String other) {
    return new OperatorSettings(namespace, deployment, leaderElection, other);
  }

  /**
   * The pod's name, unique among the replicas and kept across a container restart, so a restarted
   * leader takes its Lease back at once; a random name outside a pod.
   */
  static String defaultIdentity() {
    String host = System.getenv("HOSTNAME");
    return host == null || host.isBlank() ? UUID.randomUUID().toString() : host;
  }

  private static final class Holder {
    static final OperatorSettings CURRENT = fromConfig();
  }

  /** The settings of this process, read once. */
  public static OperatorSettings current() {
    return Holder.CURRENT;
  }
}
