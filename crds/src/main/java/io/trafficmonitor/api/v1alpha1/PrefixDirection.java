package io.trafficmonitor.api.v1alpha1;

/** Which address of the packets a heavy prefix is made of. */
public enum PrefixDirection {
  Source,
  Destination
}
