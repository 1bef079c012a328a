package io.trafficmonitor.operator.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.trafficmonitor.operator.AgentSettings;
import io.trafficmonitor.operator.OperatorSettings;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import io.trafficmonitor.operator.status.StatusWriter;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Keeps the agent DaemonSet as {@link AgentDaemonSet} builds it for as long as the operator leads,
 * whatever monitors exist. It is applied (server-side) when this replica starts leading, so that
 * fields an older operator set and this one does not are dropped, then again only when it is
 * deleted or no longer has what is built (someone edited it). Only the leader writes it: during a
 * roll, the old and the new operator (which may build different DaemonSets) take turns, never
 * fight. Its owner is the operator's Deployment when the chart names it, so that the garbage
 * collector removes the agents with the operator.
 */
public final class AgentDaemonSetKeeper implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AgentDaemonSetKeeper.class);
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  /** A failed apply is tried again after this long. */
  private static final Duration RETRY = Duration.ofSeconds(10);

  /** Objects whose values are resource quantities, which the API server may rewrite. */
  private static final Set<String> QUANTITY_MAPS = Set.of("requests", "limits");

  private final KubernetesClient client;
  private final AgentSettings agent;
  private final OperatorSettings operator;
  private final ScheduledExecutorService worker =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "agent-daemonset"));
  private final AtomicBoolean checkPending = new AtomicBoolean();
  private final AtomicLong applies = new AtomicLong();
  private volatile DaemonSet desired;
  private volatile String applyError;
  private volatile SharedIndexInformer<DaemonSet> informer;
  private volatile boolean leading;

  public AgentDaemonSetKeeper(
      KubernetesClient client, AgentSettings agent, OperatorSettings operator) {
    this.client = client;
    this.agent = agent;
    this.operator = operator;
  }

  /** Builds the DaemonSet, applies it and watches it: {@link #prepare()}, then {@link #lead()}. */
  public void start() {
    prepare();
    lead();
  }

  /**
   * Builds the DaemonSet (every replica, at start). Throws when the chart names an operator
   * Deployment that cannot be read: an owner reference to nothing would get the agents deleted.
   */
  public void prepare() {
    desired = AgentDaemonSet.desired(agent, operator.namespace(), owners());
  }

  /**
   * Applies the DaemonSet and keeps it so from now on (the leader only, once it leads: replicas
   * that follow never write it).
   */
  public void lead() {
    if (desired == null) {
      throw new IllegalStateException("lead() before prepare()");
    }
    worker.execute(() -> run(this::apply));
    SharedIndexInformer<DaemonSet> watch =
        client
            .apps()
            .daemonSets()
            .inNamespace(operator.namespace())
            .withName(AgentDaemonSet.NAME)
            .runnableInformer(0);
    watch.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(DaemonSet ds) {
            requestCheck();
          }

          @Override
          public void onUpdate(DaemonSet old, DaemonSet ds) {
            requestCheck();
          }

          @Override
          public void onDelete(DaemonSet ds, boolean finalStateUnknown) {
            requestCheck();
          }
        });
    informer = watch; // before it runs: checks read its store
    leading = true;
    // Not waiting for it: the caller may be the leader elector, which must go on renewing.
    watch
        .start()
        .whenComplete(
            (started, failed) -> {
              if (failed != null) {
                LOG.errorf(
                    "cannot watch the agent DaemonSet %s/%s: %s",
                    operator.namespace(), AgentDaemonSet.NAME, failed.getMessage());
              }
            });
  }

  /** Whether this keeper keeps the DaemonSet (it leads), for the health checks. */
  public boolean leading() {
    return leading;
  }

  /**
   * Counts this keeper's applies in {@code registry}: {@code
   * trafficmonitor_operator_agent_daemonset_applies_total}, one at a leader's start, then one per
   * repair (someone edited or deleted the DaemonSet); always 0 on a replica that follows.
   */
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder(
            "trafficmonitor.operator.agent.daemonset.applies", applies, AtomicLong::get)
        .description(
            "Server-side applies of the agent DaemonSet by this operator replica (the leader's"
                + " first, then repairs)")
        .register(registry);
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    worker.shutdownNow();
  }

  /** Whether the DaemonSet is watched, for the health checks. */
  public boolean watching() {
    return informer != null && informer.isWatching();
  }

  /** Why the last apply failed (the API server's words), or null when it succeeded. */
  public String applyError() {
    return applyError;
  }

  /** Applies sent by this keeper so far (for tests: no apply when nothing differs). */
  public long appliesSent() {
    return applies.get();
  }

  private List<OwnerReference> owners() {
    if (operator.deployment().isEmpty()) {
      return List.of();
    }
    Deployment d =
        client
            .apps()
            .deployments()
            .inNamespace(operator.namespace())
            .withName(operator.deployment())
            .get();
    if (d == null) {
      throw new IllegalStateException(
          "the operator's Deployment "
              + operator.namespace()
              + "/"
              + operator.deployment()
              + " ("
              + OperatorSettings.PREFIX
              + "deployment) does not exist");
    }
    return List.of(
        new OwnerReferenceBuilder()
            .withApiVersion("apps/v1")
            .withKind("Deployment")
            .withName(d.getMetadata().getName())
            .withUid(d.getMetadata().getUid())
            .build());
  }

  /** Events only ask for a check; a check reads the latest state, so queued ones are merged. */
  private void requestCheck() {
    if (checkPending.compareAndSet(false, true)) {
      worker.execute(() -> run(this::check));
    }
  }

  private void check() {
    checkPending.set(false);
    DaemonSet current =
        informer.getStore().getByKey(operator.namespace() + "/" + AgentDaemonSet.NAME);
    if (current != null && current.getMetadata().getDeletionTimestamp() != null) {
      return; // being deleted: its removal is the next event
    }
    if (current == null || !matches(desired, current)) {
      apply();
    }
  }

  private void apply() {
    try {
      client
          .resource(desired)
          .fieldManager(StatusWriter.FIELD_MANAGER)
          .forceConflicts()
          .serverSideApply();
      applies.incrementAndGet();
      applyError = null;
    } catch (KubernetesClientException e) {
      applyError =
          e.getStatus() != null && e.getStatus().getMessage() != null
              ? e.getStatus().getMessage()
              : e.getMessage();
      LOG.warnf(
          "cannot apply the agent DaemonSet %s/%s, trying again in %ss: %s",
          operator.namespace(), AgentDaemonSet.NAME, RETRY.toSeconds(), applyError);
      worker.schedule(() -> run(this::check), RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The worker's tasks: what the API server refuses is handled above; anything else is a bug. */
  private static void run(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("keeping the agent DaemonSet failed", e);
    }
  }

  /**
   * Whether {@code current} has every value {@code desired} sets in its metadata and spec. What the
   * API server adds (defaults) or others set is no difference; lists must have the same length and
   * match element by element; resource quantities compare by amount (the server stores "0.5" as
   * "500m").
   */
  static boolean matches(DaemonSet desired, DaemonSet current) {
    JsonNode want = JSON.valueToTree(desired);
    JsonNode have = JSON.valueToTree(current);
    return covers(want.get("metadata"), have.get("metadata"), false)
        && covers(want.get("spec"), have.get("spec"), false);
  }

  /** {@code quantity}: for an object, its values are quantities; for a scalar, it is one. */
  private static boolean covers(JsonNode want, JsonNode have, boolean quantity) {
    if (want == null || want.isNull() || (want.isContainerNode() && want.isEmpty())) {
      return true;
    }
    if (have == null || have.isNull() || have.getNodeType() != want.getNodeType()) {
      return false;
    }
    if (want.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String name = field.getKey();
        boolean q =
            field.getValue().isObject()
                ? QUANTITY_MAPS.contains(name)
                : quantity || name.equals("sizeLimit");
        if (!covers(field.getValue(), have.get(name), q)) {
          return false;
        }
      }
      return true;
    }
    if (want.isArray()) {
      if (want.size() != have.size()) {
        return false;
      }
      for (int i = 0; i < want.size(); i++) {
        if (!covers(want.get(i), have.get(i), false)) {
          return false;
        }
      }
      return true;
    }
    return want.equals(have) || (quantity && sameAmount(want.asText(), have.asText()));
  }

  private static boolean sameAmount(String a, String b) {
    try {
      return new Quantity(a).getNumericalAmount().compareTo(new Quantity(b).getNumericalAmount())
          == 0;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
