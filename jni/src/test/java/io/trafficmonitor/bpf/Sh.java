package io.trafficmonitor.bpf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs commands for the tests, bounded in time. */
public final class Sh {
  private Sh() {}

  public record Result(int exit, String out) {}

  public static Result run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out;
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + cmd);
      }
      out = p.getInputStream().readAllBytes();
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs a shell command line; fails on a non-zero exit. */
  public static String ok(String cmdline) {
    Result r = run(List.of("sh", "-c", cmdline));
    if (r.exit() != 0) {
      throw new IllegalStateException("'" + cmdline + "' exited " + r.exit() + ": " + r.out());
    }
    return r.out();
  }

  /** Runs a shell command line, ignoring failures (clean-up). */
  public static String quiet(String cmdline) {
    return run(List.of("sh", "-c", cmdline)).out();
  }
}
