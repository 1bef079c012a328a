package io.trafficmonitor.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The cgroup v2 hierarchy: where it is mounted, and removing what the rig made in it. */
public final class Cgroups {
  private Cgroups() {}

  /** The cgroup2 mount, from /proc/self/mountinfo (on a hybrid layout, /sys/fs/cgroup/unified). */
  public static Path root() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        int dash = line.indexOf(" - ");
        if (dash > 0 && line.substring(dash + 3).startsWith("cgroup2 ")) {
          return Path.of(line.substring(0, dash).split(" ")[4]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no cgroup2 mount in /proc/self/mountinfo");
  }

  /** Every mounted cgroup hierarchy, v1 and v2, from /proc/self/mountinfo. */
  public static List<Path> hierarchies() {
    List<Path> all = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        int dash = line.indexOf(" - ");
        String type = dash > 0 ? line.substring(dash + 3).split(" ")[0] : "";
        if (type.equals("cgroup") || type.equals("cgroup2")) {
          all.add(Path.of(line.substring(0, dash).split(" ")[4]));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return all;
  }

  /** The directories directly under {@code dir} whose names start with {@code prefix}. */
  public static List<Path> children(Path dir, String prefix) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(Files::isDirectory)
          .filter(d -> d.getFileName().toString().startsWith(prefix))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Removes {@code dir} and its children, deepest first; retries while their tasks exit. */
  public static void removeTree(Path dir) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (Files.exists(dir) && System.nanoTime() < deadline) {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(Cgroups::rmdir);
      } catch (IOException | UncheckedIOException e) {
        // raced with an exiting task
      }
      if (Files.exists(dir)) {
        LocalCluster.sleep(50);
      }
    }
  }

  /** Kills every process in {@code dir} (cgroup.kill) and removes it, deepest first. */
  public static void killAndRemove(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.writeString(dir.resolve("cgroup.kill"), "1");
    } catch (IOException e) {
      // older kernels: kill by pid
      Sh.quiet("for p in $(cat " + dir.resolve("cgroup.procs") + "); do kill -9 $p; done");
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(Cgroups::rmdir);
      } catch (IOException | UncheckedIOException e) {
        // raced with the kill
      }
      if (!Files.exists(dir)) {
        return;
      }
      LocalCluster.sleep(50);
    }
  }

  private static void rmdir(Path d) {
    try {
      Files.deleteIfExists(d);
    } catch (IOException e) {
      // busy until its processes exit
    }
  }

  /** Removes the kubepods slices the rig created, if no pod is left in them. */
  public static void removeEmptyKubepods(Path root) {
    for (String d :
        new String[] {
          "kubepods.slice/kubepods-besteffort.slice",
          "kubepods.slice/kubepods-burstable.slice",
          "kubepods.slice"
        }) {
      rmdir(root.resolve(d));
    }
  }
}
