package io.trafficmonitor.testing;

import java.time.Duration;
import java.util.List;

/**
 * Commands for the tests: shell one-liners ({@code bash -c}) or argument lists, each bounded in
 * time (60 s), with the command, exit code and both outputs in the failure.
 */
public final class Sh {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  private Sh() {}

  /** Runs {@code script}; throws with its output when it fails. Returns stdout. */
  public static String ok(String script) {
    return run(script).orThrow().stdout();
  }

  /** Runs {@code script} and returns its result, whatever the exit code. */
  public static ProcessResult run(String script) {
    return run(List.of("bash", "-c", script));
  }

  /** Runs {@code command} without a shell and returns its result, whatever the exit code. */
  public static ProcessResult run(List<String> command) {
    return Commands.run(LIMIT, command);
  }

  /**
   * Runs {@code script} and ignores failure, for cleanup and probes: returns its stdout, or "" when
   * it could not be run or did not finish in time.
   */
  public static String quiet(String script) {
    try {
      return run(script).stdout();
    } catch (RuntimeException e) {
      return "";
    }
  }
}
