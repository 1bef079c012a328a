package io.trafficmonitor.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine. Under CI ({@code CI=true}) a missing privilege or binary
 * fails the test; on a developer's machine the test is skipped and the reason printed.
 */
public final class Requirements {
  private Requirements() {}

  public static boolean underCi() {
    String ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
  }

  /** Fails under CI, skips elsewhere, when {@code met} is false. */
  public static void require(boolean met, String reason) {
    if (met) {
      return;
    }
    if (underCi()) {
      throw new AssertionError("requirement not met under CI: " + reason);
    }
    System.err.println("SKIPPED (not under CI): " + reason);
    Assumptions.abort(reason);
  }

  /** Root is needed for network namespaces, cgroups and BPF. */
  public static void requireRoot() {
    require("root".equals(System.getProperty("user.name")), "this test needs root");
  }
}
