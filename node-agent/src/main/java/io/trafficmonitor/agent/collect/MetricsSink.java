package io.trafficmonitor.agent.collect;

import io.trafficmonitor.agent.target.Target;

/** Where the collector announces the series and rates it creates and drops. */
public interface MetricsSink {
  void seriesAdded(Series series);

  void seriesRemoved(Series series);

  /** The series carried sequence numbers for the first time. */
  default void sequenceSeen(Series series) {}

  /** A (target, direction) rate the collector keeps up to date. */
  void rateAdded(Target target, String direction, RateWindow rate);

  void rateRemoved(Target target, String direction);

  /** Traffic of a named application at a target, counted from now on. */
  default void applicationAdded(ApplicationSeries series) {}

  default void applicationRemoved(ApplicationSeries series) {}

  /** Traffic between a target and a peer workload, counted from now on (spec.flows.peers). */
  default void peerAdded(PeerSeries series) {}

  default void peerRemoved(PeerSeries series) {}

  /** TCP flows with a flag at a target in one direction, counted from now on. */
  default void tcpFlagAdded(TcpFlagSeries series) {}

  default void tcpFlagRemoved(TcpFlagSeries series) {}

  /** The flows' jitter at a target in one direction, sampled from now on. */
  default void jitterAdded(JitterSeries series) {}

  default void jitterRemoved(JitterSeries series) {}

  MetricsSink NONE =
      new MetricsSink() {
        @Override
        public void seriesAdded(Series series) {}

        @Override
        public void seriesRemoved(Series series) {}

        @Override
        public void rateAdded(Target target, String direction, RateWindow rate) {}

        @Override
        public void rateRemoved(Target target, String direction) {}
      };
}
