package io.trafficmonitor.bpf;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Runs code with the calling thread in another network namespace (TC targets and clsact filters are
 * looked up in the caller's namespace); the thread always returns to its own namespace. Entering a
 * namespace needs CAP_SYS_ADMIN, so a thread already in it runs the code where it is.
 */
public final class NetNs {
  private NetNs() {}

  /** Runs {@code body} with this thread in the namespace at {@code nsPath}. */
  public static <T> T callIn(Path nsPath, Callable<T> body) throws Exception {
    Native.ensureLoaded();
    int fd = Native.nsOpen(nsPath.toString());
    try {
      return callIn(fd, body);
    } finally {
      Native.closeFd(fd);
    }
  }

  static <T> T callIn(int nsFd, Callable<T> body) throws Exception {
    int self = Native.nsOpen("/proc/thread-self/ns/net");
    try {
      if (Native.nsSame(self, nsFd)) {
        return body.call();
      }
      Native.nsEnter(nsFd);
      try {
        return body.call();
      } finally {
        Native.nsEnter(self);
      }
    } finally {
      Native.closeFd(self);
    }
  }

  static void callIn(int nsFd, Runnable body) {
    try {
      callIn(
          nsFd,
          () -> {
            body.run();
            return null;
          });
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
