package io.trafficmonitor.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events about a monitor, where {@code kubectl describe} shows them: a Warning when it
 * becomes Degraded or its reason or message changes (a node whose programs cannot load, an agent
 * that stops reporting), so that a node's failure is seen once where users look, not at every
 * status write. The Events of a ClusterTrafficMonitor go to the {@code default} namespace.
 */
public final class MonitorEvents {
  private static final Logger LOG = Logger.getLogger(MonitorEvents.class);

  public static final String COMPONENT = "trafficmonitor-operator";

  private MonitorEvents() {}

  /** A Warning to post: the Degraded condition's reason and message. */
  public record Warning(String reason, String message) {}

  /** The Warning that the move from {@code before} to {@code after} calls for, if any. */
  public static Optional<Warning> degraded(List<Condition> before, List<Condition> after) {
    Condition now = find(after, Conditions.DEGRADED);
    if (now == null || !"True".equals(now.getStatus())) {
      return Optional.empty();
    }
    Condition was = find(before, Conditions.DEGRADED);
    if (was != null
        && "True".equals(was.getStatus())
        && Objects.equals(was.getReason(), now.getReason())
        && Objects.equals(was.getMessage(), now.getMessage())) {
      return Optional.empty();
    }
    return Optional.of(new Warning(now.getReason(), now.getMessage()));
  }

  private static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  /** Posts {@code warning} about {@code monitor}; a refusal is logged, never thrown. */
  public static void post(KubernetesClient client, HasMetadata monitor, Warning warning) {
    String monitorNamespace = monitor.getMetadata().getNamespace();
    String namespace = monitorNamespace == null ? "default" : monitorNamespace;
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(monitor.getMetadata().getName() + ".")
            .withNamespace(namespace)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(monitor.getApiVersion())
            .withKind(monitor.getKind())
            .withName(monitor.getMetadata().getName())
            .withNamespace(monitorNamespace)
            .withUid(monitor.getMetadata().getUid())
            .endInvolvedObject()
            .withType("Warning")
            .withReason(warning.reason())
            .withMessage(warning.message())
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client.v1().events().inNamespace(namespace).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "cannot post the event %s about %s: %s",
          warning.reason(), monitor.getMetadata().getName(), e.getMessage());
    }
  }
}
