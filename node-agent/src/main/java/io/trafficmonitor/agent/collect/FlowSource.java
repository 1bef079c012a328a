package io.trafficmonitor.agent.collect;

import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.datapath.flow.FlowDatapath;

/** The kernel flow map as the collector sees it (a fake in unit tests). */
public interface FlowSource {
  /** Visits every flow in batches: keys and values in the {@code FlowLayout} layouts. */
  void read(BpfMap.BatchVisitor visitor);

  /**
   * Atomically reads and removes a flow; false when it was gone. {@code value} receives its final
   * stats ({@code FlowLayout.STATS_SIZE} bytes).
   */
  boolean remove(byte[] key, byte[] value);

  /** Visits the sequence state of every flow that carried numbers ({@code FlowLayout.SEQ_*}). */
  default void readSequences(BpfMap.BatchVisitor visitor) {}

  /** Atomically reads and removes a flow's sequence state; false when there was none. */
  default boolean removeSequence(byte[] key, byte[] value) {
    return false;
  }

  /** The flow map's capacity. */
  int capacity();

  /** The flow and sequence maps of {@code dp}. */
  static FlowSource of(FlowDatapath dp) {
    return new FlowSource() {
      @Override
      public void read(BpfMap.BatchVisitor visitor) {
        dp.readFlowsRaw(visitor);
      }

      @Override
      public boolean remove(byte[] key, byte[] value) {
        return dp.removeFlow(key, value);
      }

      @Override
      public void readSequences(BpfMap.BatchVisitor visitor) {
        dp.readSequencesRaw(visitor);
      }

      @Override
      public boolean removeSequence(byte[] key, byte[] value) {
        return dp.removeSequence(key, value);
      }

      @Override
      public int capacity() {
        return dp.maxFlows();
      }
    };
  }
}
