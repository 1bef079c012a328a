package io.trafficmonitor.plugin;

import io.trafficmonitor.api.live.LiveApi;

/**
 * The monitor a command reads: a TrafficMonitor ({@code namespace} set) or a ClusterTrafficMonitor
 * ({@code namespace} null), named as kubectl would name it in messages.
 */
public record Monitor(String namespace, String name) {

  public boolean cluster() {
    return namespace == null;
  }

  /** The path of its records in the live API. */
  public String intervalsPath() {
    return LiveApi.intervalsPath(namespace, name);
  }

  /** The path of its stream of records in the live API. */
  public String streamPath() {
    return LiveApi.streamPath(namespace, name);
  }

  /** "trafficmonitor demo/web" or "clustertrafficmonitor nodes", for messages. */
  @Override
  public String toString() {
    return cluster() ? "clustertrafficmonitor " + name : "trafficmonitor " + namespace + "/" + name;
  }

  /** "demo/web" or "nodes", for headers and json lines. */
  public String shortName() {
    return cluster() ? name : namespace + "/" + name;
  }
}
