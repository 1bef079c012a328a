package io.trafficmonitor.plugin;

/**
 * An error the user can act on: its message is printed as it is, without a stack trace, and the
 * plugin exits with {@link #exitCode()} (1: the cluster refused or failed, 2: the command line is
 * wrong).
 */
public final class PluginException extends RuntimeException {
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  private final int exitCode;
  private final boolean passing;

  public PluginException(String message, int exitCode) {
    this(message, exitCode, false);
  }

  private PluginException(String message, int exitCode, boolean passing) {
    super(message, null, false, false);
    this.exitCode = exitCode;
    this.passing = passing;
  }

  /** A refusal or failure of the API server, the live API or the network. */
  public static PluginException failed(String message) {
    return new PluginException(message, FAILED);
  }

  /**
   * A failure that may pass by itself: the API server or the live API could not be reached or was
   * unavailable (5xx); a stream that had worked tries again.
   */
  public static PluginException passing(String message) {
    return new PluginException(message, FAILED, true);
  }

  /** A command line that cannot be run as it is. */
  public static PluginException usage(String message) {
    return new PluginException(message, USAGE);
  }

  /** Whether trying again later may succeed (see {@link #passing}). */
  public boolean mayPass() {
    return passing;
  }

  public int exitCode() {
    return exitCode;
  }
}
