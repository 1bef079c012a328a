package io.trafficmonitor.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a time limit passes. */
public final class Await {
  private Await() {}

  /** Waits until {@code condition} holds; fails naming {@code what} and {@code context}. */
  public static void until(
      String what, Duration limit, BooleanSupplier condition, Supplier<String> context) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + limit + " waiting until " + what + "\n" + context.get());
      }
      LocalCluster.sleep(200);
    }
  }

  public static void until(String what, Duration limit, BooleanSupplier condition) {
    until(what, limit, condition, () -> "");
  }
}
