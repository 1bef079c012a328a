package io.trafficmonitor.operator.model;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A {@code monitoring.coreos.com/v1} PrometheusRule, its body unstructured. The class only names
 * the resource, so the client and informers reach it without API discovery, which fails while the
 * Prometheus Operator is not installed.
 */
@Group(PrometheusObjects.GROUP)
@Version(PrometheusObjects.VERSION)
@Kind(PrometheusObjects.PROMETHEUS_RULE)
@Plural("prometheusrules")
public class PrometheusRuleResource extends GenericKubernetesResource implements Namespaced {}
