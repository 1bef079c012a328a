package io.trafficmonitor.agent;

import io.trafficmonitor.bpf.BpfMap;

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
}
