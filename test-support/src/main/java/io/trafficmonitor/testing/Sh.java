package io.trafficmonitor.testing;

import java.time.Duration;
import java.util.List;

/** Shell one-liners for the rig: {@code bash -c}, with a time limit and a clear failure. */
public final class Sh {
  private Sh() {}

  /** Runs {@code script}; throws with its output when it fails. Returns stdout. */
  public static String ok(String script) {
    return run(script).orThrow().stdout();
  }

  /** Runs {@code script} and returns its result, whatever the exit code. */
  public static ProcessResult run(String script) {
    return Commands.run(Duration.ofSeconds(60), List.of("bash", "-c", script));
  }

  /** Runs {@code script} and ignores failure (for cleanup). */
  public static void quiet(String script) {
    run(script + " >/dev/null 2>&1 || true");
  }
}
