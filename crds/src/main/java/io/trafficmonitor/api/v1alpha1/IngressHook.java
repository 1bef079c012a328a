package io.trafficmonitor.api.v1alpha1;

/**
 * Where a node interface's ingress is counted: TC (after the skb is built, with GRO batches counted
 * by their segments) or XDP (at the driver, each frame; in the stack where the driver has no XDP).
 * Both count the same bytes and packets; egress is always TC.
 */
public enum IngressHook {
  TC,
  XDP
}
