package io.trafficmonitor.operator.model;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A {@code monitoring.coreos.com/v1} ServiceMonitor, its body unstructured (see {@link
 * PrometheusRuleResource}).
 */
@Group(PrometheusObjects.GROUP)
@Version(PrometheusObjects.VERSION)
@Kind(PrometheusObjects.SERVICE_MONITOR)
@Plural("servicemonitors")
public class ServiceMonitorResource extends GenericKubernetesResource implements Namespaced {}
