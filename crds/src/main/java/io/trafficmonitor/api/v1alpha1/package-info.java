/**
 * The TrafficMonitor API, {@code trafficmonitor.io/v1alpha1}.
 *
 * <p>Only the shape of the resource lives here: the reconciler and the node agent import this
 * package, never the other way round. Every field carries a description (it becomes the CRD's
 * OpenAPI description and {@code kubectl explain} text); rules that span fields are CEL {@link
 * io.fabric8.generator.annotation.ValidationRule}s whose messages are written for the person who
 * applied the resource.
 */
package io.trafficmonitor.api.v1alpha1;
