package io.trafficmonitor.api.v1alpha1;

/** How a {@link SelectorRequirement} relates a label's key to its values. */
public enum SelectorOperator {
  In,
  NotIn,
  Exists,
  DoesNotExist
}
