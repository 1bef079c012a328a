package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.target.Target;

/**
 * Cumulative bytes and packets of one application (a name of {@code spec.applications} or a
 * built-in one: HTTP, HTTPS, DNS) at one target that counts in totals (a pod's sockets, a node
 * interface) in one direction. Flows whose ports name no application are in no such series.
 */
public final class ApplicationSeries extends ByteCounts {
  /** The labels of the series, apart from the monitor. */
  public record Key(Target target, String direction, String application) {}

  private final Key key;

  public ApplicationSeries(Key key) {
    this.key = key;
  }

  public Key key() {
    return key;
  }
}
