package io.trafficmonitor.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Activation condition: a CRD, named explicitly, exists in the cluster. JOSDK's own
 * CRDPresentActivationCondition derives the CRD name from the resource class, which an unstructured
 * resource does not carry, and gives up after ten checks; this one asks again every {@link
 * #RECHECK} for as long as the operator runs, so installing the Prometheus Operator later is picked
 * up.
 */
public abstract class CrdPresentCondition<R extends HasMetadata, P extends HasMetadata>
    implements Condition<R, P> {

  static final Duration RECHECK = Duration.ofSeconds(10);

  private record Check(boolean present, Instant at) {}

  private static final Map<String, Check> CHECKS = new ConcurrentHashMap<>();

  private final String crdName;

  protected CrdPresentCondition(String crdName) {
    this.crdName = crdName;
  }

  @Override
  public boolean isMet(DependentResource<R, P> dependentResource, P primary, Context<P> context) {
    Instant now = Instant.now();
    Check check =
        CHECKS.compute(
            crdName,
            (name, last) ->
                last != null && last.at().plus(RECHECK).isAfter(now)
                    ? last
                    : new Check(
                        context
                                .getClient()
                                .resources(CustomResourceDefinition.class)
                                .withName(name)
                                .get()
                            != null,
                        now));
    return check.present();
  }

  /** Forgets what was seen, so the next check asks the API server (for tests). */
  public static void forget() {
    CHECKS.clear();
  }
}
