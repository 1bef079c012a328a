package io.trafficmonitor.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The directories of local clusters, one per cluster under a common root, each with the pid of the
 * JVM that owns it. A directory whose owner is gone belongs to a killed run: its processes are
 * killed, what its {@link KubeletNodes} left is swept, and the directory removed.
 */
final class ClusterDirs {
  private ClusterDirs() {}

  static Path root() {
    Path shm = Paths.get("/dev/shm");
    Path base = Files.isWritable(shm) ? shm : Paths.get(System.getProperty("java.io.tmpdir"));
    return base.resolve("trafficmonitor-clusters");
  }

  static Path create() {
    try {
      Path root = Files.createDirectories(root());
      Path dir = Files.createTempDirectory(root, "cluster-");
      Files.writeString(dir.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills the processes and removes the directories of clusters whose JVM has died. */
  static void sweepAbandoned() {
    Path root = root();
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(root)) {
      // the root also holds the kubelet nodes' lock files, which are not clusters
      dirs.filter(d -> d.getFileName().toString().startsWith("cluster-"))
          .filter(d -> !ownerAlive(d))
          .forEach(ClusterDirs::killAndDelete);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean ownerAlive(Path dir) {
    Long pid = readPid(dir.resolve("owner.pid"));
    return pid != null && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static void killAndDelete(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      files
          .filter(f -> f.getFileName().toString().endsWith(".pid"))
          .filter(f -> !f.getFileName().toString().equals("owner.pid"))
          .map(ClusterDirs::readPid)
          .filter(pid -> pid != null)
          .flatMap(pid -> ProcessHandle.of(pid).stream())
          .filter(h -> h.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
          .forEach(
              h -> {
                System.err.println("killing abandoned control-plane process " + h.pid());
                h.destroyForcibly();
              });
    } catch (IOException e) {
      // the directory vanished meanwhile
    }
    try {
      KubeletNodes.sweep(dir);
    } catch (RuntimeException e) {
      // not root, or a mount that will not go: leave the directory rather than walk into it
      System.err.println("cannot sweep the kubelet nodes of " + dir + ": " + e.getMessage());
      return;
    }
    delete(dir);
  }

  private static Long readPid(Path file) {
    try {
      return Long.parseLong(Files.readString(file).trim());
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
