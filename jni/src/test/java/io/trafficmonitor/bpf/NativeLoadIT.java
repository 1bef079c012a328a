package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shim loads on a read-only root filesystem: a child JVM whose java.io.tmpdir (and, in some
 * runs, /dev/shm) is a read-only or noexec tmpfs, in a mount namespace of its own (unshare), so
 * nothing outside it changes. When no directory works, the reason names each one.
 */
class NativeLoadIT {
  private static Path base;

  @BeforeAll
  static void setUp() throws Exception {
    KernelSupport.require();
    base = Files.createTempDirectory("tm-native-load");
    Files.createDirectories(base.resolve("ro"));
    Files.createDirectories(base.resolve("rw"));
  }

  @AfterAll
  static void tearDown() {
    if (base != null) {
      Sh.quiet("rm -rf " + base);
    }
  }

  /** Runs LoadCheck after {@code mounts} (shell commands) in a private mount namespace. */
  private static String loadWith(String mounts, String nativeDir) {
    String java = ProcessHandle.current().info().command().orElse("java");
    String ro = base.resolve("ro").toString();
    String cmd =
        "mount -t tmpfs -o ro,size=1m tm-ro "
            + ro
            + (mounts.isEmpty() ? "" : " && " + mounts)
            + " && exec env -u TM_NATIVE_DIR "
            + (nativeDir == null ? "" : "TM_NATIVE_DIR=" + nativeDir + " ")
            + java
            + " -Xshare:auto -Djava.io.tmpdir="
            + ro
            + " -cp "
            + System.getProperty("java.class.path")
            + " "
            + LoadCheck.class.getName();
    return Sh.run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", cmd))
        .orThrow()
        .stdout()
        .trim();
  }

  @Test
  void aReadOnlyTmpdirFallsBackToDevShm() {
    assertEquals("LOADED", loadWith("", null));
  }

  @Test
  void theConfiguredDirectoryComesFirst() {
    String out =
        loadWith("mount -t tmpfs -o ro,size=1m tm-shm /dev/shm", base.resolve("rw").toString());
    assertEquals("LOADED", out);
  }

  @Test
  void withNoUsableDirectoryEveryReasonIsReported() {
    String out = loadWith("mount -t tmpfs -o rw,noexec,size=8m tm-shm /dev/shm", null);
    assertTrue(out.startsWith("NOT LOADED: "), out);
    assertTrue(out.contains(base.resolve("ro") + ": "), out);
    assertTrue(out.contains("Read-only file system"), out);
    assertTrue(out.contains("/dev/shm: "), out); // noexec: the copy cannot be mapped
    assertTrue(out.contains("TM_NATIVE_DIR"), out);
    System.out.println("without a usable directory: " + out);
  }
}
