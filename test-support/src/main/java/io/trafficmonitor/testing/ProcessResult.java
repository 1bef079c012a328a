package io.trafficmonitor.testing;

import java.util.List;

/** What a finished command printed and how it exited. */
public record ProcessResult(List<String> command, int exitCode, String stdout, String stderr) {

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** Returns this result, or throws with the command's output when it failed. */
  public ProcessResult orThrow() {
    if (exitCode != 0) {
      throw new IllegalStateException(
          String.join(" ", command)
              + " exited "
              + exitCode
              + "\nstdout: "
              + stdout
              + "\nstderr: "
              + stderr);
    }
    return this;
  }
}
