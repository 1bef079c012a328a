package io.trafficmonitor.agent;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling. */
final class Wait {
  private Wait() {}

  static void until(String what, Duration timeout, BooleanSupplier cond) {
    until(what, timeout, () -> cond.getAsBoolean() ? Optional.of(true) : Optional.empty());
  }

  static <T> T until(String what, Duration timeout, Supplier<Optional<T>> probe) {
    long end = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        Optional<T> v = probe.get();
        if (v.isPresent()) {
          return v.get();
        }
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > end) {
        AssertionError err =
            new AssertionError("timed out after " + timeout + " waiting for " + what);
        if (last != null) {
          err.initCause(last);
        }
        throw err;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }
}
