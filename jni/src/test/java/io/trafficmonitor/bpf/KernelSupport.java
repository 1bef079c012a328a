package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Preconditions of the kernel tests: root and a working BPF shim. Under CI (env CI=true) a missing
 * precondition fails the test; elsewhere the test is skipped with the reason printed.
 */
public final class KernelSupport {
  private KernelSupport() {}

  public static void require() {
    String reason = missing();
    if (reason == null) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("kernel test cannot run under CI: " + reason);
    }
    System.err.println("SKIPPED kernel test: " + reason);
    Assumptions.abort(reason);
  }

  /** Where cgroup v2 is mounted (/sys/fs/cgroup/unified on hybrid hosts, else /sys/fs/cgroup). */
  public static Path cgroup2Root() {
    try {
      return Files.readAllLines(Path.of("/proc/mounts")).stream()
          .map(l -> l.split(" "))
          .filter(f -> f.length > 2 && f[2].equals("cgroup2"))
          .map(f -> Path.of(f[1]))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("cgroup v2 is not mounted"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String missing() {
    try {
      String status = Files.readString(Path.of("/proc/self/status"));
      if (!status.lines().anyMatch(l -> l.matches("Uid:\\s+0\\s+0\\s+0\\s+0"))) {
        return "not running as root";
      }
    } catch (IOException e) {
      return "cannot read /proc/self/status: " + e;
    }
    if (Native.loadError().isPresent()) {
      return "JNI shim not loadable: " + Native.loadError().get();
    }
    if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) {
      return "kernel without BTF (/sys/kernel/btf/vmlinux)";
    }
    try {
      cgroup2Root();
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
    for (String tool : new String[] {"ip", "tc", "nsenter", "bpftool"}) {
      if (!onPath(tool)) {
        return "missing binary " + tool;
      }
    }
    return null;
  }

  private static boolean onPath(String tool) {
    for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
