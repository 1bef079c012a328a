package io.trafficmonitor.agent;

import io.trafficmonitor.testing.Commands;
import io.trafficmonitor.testing.ProcessResult;
import java.time.Duration;
import java.util.List;

/** Shell commands of the tests, bounded in time. */
final class Sh {
  private Sh() {}

  static String ok(String cmdline) {
    ProcessResult r = Commands.run(Duration.ofSeconds(60), List.of("sh", "-c", cmdline));
    if (r.exitCode() != 0) {
      throw new IllegalStateException(
          "'" + cmdline + "' exited " + r.exitCode() + ": " + r.stdout() + r.stderr());
    }
    return r.stdout();
  }

  static String quiet(String cmdline) {
    try {
      ProcessResult r = Commands.run(Duration.ofSeconds(60), List.of("sh", "-c", cmdline));
      return r.stdout();
    } catch (RuntimeException e) {
      return "";
    }
  }
}
