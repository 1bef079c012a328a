package io.trafficmonitor.agent.collect.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The update paths the agent runs for every flow of every collection allocate nothing. */
class AllocationFreeTest {
  static com.sun.management.ThreadMXBean threads;
  static Flows flows = Flows.zipf(20_000, 5000, 1.1, 1e9, 1);

  @BeforeAll
  static void counter() {
    assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported());
    threads.setThreadAllocatedMemoryEnabled(true);
  }

  /**
   * Bytes allocated by the current thread while {@code body} runs: the least of three runs, as the
   * first runs may allocate once (class loading, lazy initialization in the JDK); an allocation per
   * update shows in every run.
   */
  private static long allocated(Runnable body) {
    long id = Thread.currentThread().getId();
    long least = Long.MAX_VALUE;
    for (int run = 0; run < 3; run++) {
      long before = threads.getThreadAllocatedBytes(id);
      body.run();
      least = Math.min(least, threads.getThreadAllocatedBytes(id) - before);
    }
    return least;
  }

  @Test
  void hashingAndHyperLogLogAdd() {
    HyperLogLog hll = new HyperLogLog(14);
    ByteBuffer keys = ByteBuffer.allocate(48 * flows.n).order(ByteOrder.nativeOrder());
    for (long w : flows.keys) {
      keys.putLong(w);
    }
    long[] sink = new long[1];
    assertThat(
            allocated(
                () -> {
                  for (int i = 0; i < flows.n; i++) {
                    hll.add(flows.flowHash(i));
                    hll.add(flows.peerHash(i));
                    sink[0] += Hashing.hash64(keys, 48 * i, 48);
                  }
                }))
        .isZero();
  }

  @Test
  void countMinAndHeavyHittersAddWithAProbeKey() {
    HeavyHitters<Flows.Key> top =
        new HeavyHitters<>(10, CountMinSketch.forError(0.001, 0.01), Flows.Key::copy);
    Flows.Key probe = new Flows.Key();
    for (int i = 0; i < flows.n; i++) { // the candidates settle
      top.add(probe.flow(flows, i), flows.flowHash(i), flows.bytes[i]);
    }
    assertThat(
            allocated(
                () -> {
                  for (int i = 0; i < flows.n; i++) {
                    top.add(probe.flow(flows, i), flows.flowHash(i), 1);
                  }
                }))
        .isZero();
  }
}
