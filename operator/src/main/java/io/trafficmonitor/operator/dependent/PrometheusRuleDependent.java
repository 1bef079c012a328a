package io.trafficmonitor.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfig;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import io.trafficmonitor.operator.model.Names;
import io.trafficmonitor.operator.model.PrometheusObjects;
import io.trafficmonitor.operator.model.PrometheusRuleResource;
import java.util.Set;

/**
 * A monitor's PrometheusRule built from {@code spec.alerts}; active only when its CRD exists, and
 * present only while {@code spec.alerts} sets a threshold (removed when they go). Owned by the
 * monitor, so the garbage collector removes it with the monitor. A TrafficMonitor's rule is beside
 * it ({@link OfTrafficMonitor}); a ClusterTrafficMonitor has no namespace, so its rule is in the
 * operator's ({@link OfClusterTrafficMonitor}).
 */
public abstract class PrometheusRuleDependent<
        P extends CustomResource<TrafficMonitorSpec, TrafficMonitorStatus>>
    extends CRUDKubernetesDependentResource<PrometheusRuleResource, P> {

  /** The name both controllers give this dependent in their workflow. */
  public static final String NAME = "prometheus-rule";

  protected PrometheusRuleDependent() {
    super(PrometheusRuleResource.class);
  }

  /** The namespace of {@code primary}'s rule. */
  protected abstract String namespace(P primary);

  /** The object's name, without building all of it (also used when it must go away). */
  @Override
  protected ResourceID targetSecondaryResourceID(P primary, Context<P> context) {
    return new ResourceID(Names.rule(primary), namespace(primary));
  }

  @Override
  protected PrometheusRuleResource desired(P primary, Context<P> context) {
    return PrometheusObjects.prometheusRule(primary, namespace(primary));
  }

  /** A TrafficMonitor's rule, in the monitor's namespace. */
  @KubernetesDependent(informer = @Informer(labelSelector = Names.MONITOR_SELECTOR))
  public static class OfTrafficMonitor extends PrometheusRuleDependent<TrafficMonitor> {
    @Override
    protected String namespace(TrafficMonitor primary) {
      return primary.getMetadata().getNamespace();
    }
  }

  /**
   * A ClusterTrafficMonitor's rule, in the operator's namespace: the one namespace its informer
   * watches, as {@link #inNamespace} configures it when the controller is registered.
   */
  public static class OfClusterTrafficMonitor
      extends PrometheusRuleDependent<ClusterTrafficMonitor> {

    /** This dependent's configuration: its rules live (and are watched) in {@code namespace}. */
    public static KubernetesDependentResourceConfig<PrometheusRuleResource> inNamespace(
        String namespace) {
      return new KubernetesDependentResourceConfigBuilder<PrometheusRuleResource>()
          .withCreateResourceOnlyIfNotExistingWithSSA(
              KubernetesDependentResourceConfig
                  .DEFAULT_CREATE_RESOURCE_ONLY_IF_NOT_EXISTING_WITH_SSA)
          .withKubernetesDependentInformerConfig(
              InformerConfiguration.builder(PrometheusRuleResource.class)
                  .withNamespaces(Set.of(namespace))
                  .withLabelSelector(Names.CLUSTER_MONITOR_SELECTOR)
                  .build())
          .build();
    }

    @Override
    protected String namespace(ClusterTrafficMonitor primary) {
      Set<String> namespaces =
          configuration()
              .orElseThrow(() -> new IllegalStateException("registered without inNamespace()"))
              .informerConfig()
              .getNamespaces();
      if (namespaces.size() != 1) {
        throw new IllegalStateException("registered without inNamespace(): " + namespaces);
      }
      return namespaces.iterator().next();
    }
  }

  /** Activation condition: the PrometheusRule CRD is installed. */
  public static class CrdPresent<P extends HasMetadata>
      extends CrdPresentCondition<PrometheusRuleResource, P> {
    public CrdPresent() {
      super(PrometheusObjects.PROMETHEUS_RULE_CRD);
    }
  }

  /** Reconcile precondition: the spec asks for at least one alert. */
  public static class AlertsRequested<P extends CustomResource<TrafficMonitorSpec, ?>>
      implements Condition<PrometheusRuleResource, P> {
    @Override
    public boolean isMet(
        DependentResource<PrometheusRuleResource, P> dependentResource,
        P primary,
        Context<P> context) {
      var alerts = primary.getSpec() == null ? null : primary.getSpec().getAlerts();
      return alerts != null
          && (alerts.getMaxBytesPerSecond() != null
              || alerts.getMaxPacketLossRatio() != null
              || alerts.getMaxRetransmitRatio() != null);
    }
  }
}
