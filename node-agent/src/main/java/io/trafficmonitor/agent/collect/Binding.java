package io.trafficmonitor.agent.collect;

/**
 * One kernel flow as one monitor counts it: the series and rate it feeds in that monitor's view and
 * what the monitor has counted of it (a monitor created later starts from zero).
 */
final class Binding {
  final FlowEntry flow;
  final MonitorView view;
  final Series series;
  final RateWindow rate;
  long totalBytes;
  long totalPackets;
  long totalPayload;

  /** The totals at the monitor's last status snapshot. */
  long markBytes;

  long markPackets;

  /** The application name under this monitor's spec.applications, resolved once. */
  String application;

  /** The application's series this flow feeds, or null (no name, or a veth's flow). */
  ApplicationSeries applicationSeries;

  /** The peer's series this flow feeds (spec.flows.peers), or null (off, or a veth's flow). */
  PeerSeries peerSeries;

  boolean removed;

  Binding(FlowEntry flow, MonitorView view, Series series, RateWindow rate) {
    this.flow = flow;
    this.view = view;
    this.series = series;
    this.rate = rate;
  }

  /** Bytes since the monitor's last status snapshot. */
  long interval() {
    return totalBytes - markBytes;
  }
}
