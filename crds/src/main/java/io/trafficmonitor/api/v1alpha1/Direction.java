package io.trafficmonitor.api.v1alpha1;

/** Which way of the traffic is counted, as seen from the pod or the node interface. */
public enum Direction {
  Ingress,
  Egress,
  Both
}
