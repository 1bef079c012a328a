package io.trafficmonitor.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What a kubelet or containerd changes on the host outside its own directories, whatever its
 * configuration says, and how the nodes put it back (REAL-NODES.md §5.6):
 *
 * <ul>
 *   <li>the kubelet sets kernel tunables at start (vm.overcommit_memory=1, kernel.panic=10,
 *       kernel.panic_on_oops=1, ...; there is no option to leave them): the nodes save them, start
 *       their kubelets under a host-wide lock, and restore them once the kubelets are up;
 *   <li>{@code /sys/fs/bpf} is made a shared mount (agents mount it with HostToContainer
 *       propagation) when it is not, and made private again by the last cluster to close;
 *   <li>hard-coded paths: {@code /var/lib/kubelet/device-plugins}, {@code /var/log/containers}
 *       symlinks, libcni's cache in {@code /var/lib/cni}, shim sockets in {@code
 *       /run/containerd/s}: only entries of the given cluster, or dead sockets, are removed, then
 *       the directories if empty.
 * </ul>
 */
final class KubeletHost {
  private static final List<String> TUNABLES =
      List.of(
          "vm/overcommit_memory",
          "vm/panic_on_oom",
          "kernel/panic",
          "kernel/panic_on_oops",
          "kernel/keys/root_maxkeys",
          "kernel/keys/root_maxbytes");
  private static final Path BPFFS = Path.of("/sys/fs/bpf");

  private KubeletHost() {}

  private static Path savedTunables() {
    return ClusterDirs.root().resolve("kubelet-tunables.saved");
  }

  private static Path bpffsMarker() {
    return ClusterDirs.root().resolve("bpffs-made-shared");
  }

  /**
   * Runs {@code start} (which starts kubelets and waits until they are up) with the kernel tunables
   * saved before and restored after, holding a host-wide lock so that no other run saves the
   * kubelets' values as the original ones. Values a killed run left saved are restored first.
   */
  static synchronized <T> T withKernelTunablesRestored(Supplier<T> start) {
    try (FileChannel ch = tunablesLock();
        var lock = ch.lock()) {
      restoreTunables();
      Map<String, String> before = new LinkedHashMap<>();
      for (String t : TUNABLES) {
        before.put(t, readKernelFile(Path.of("/proc/sys", t)));
      }
      StringBuilder saved = new StringBuilder();
      before.forEach((k, v) -> saved.append(k).append('=').append(v).append('\n'));
      Files.writeString(savedTunables(), saved);
      try {
        return start.get();
      } finally {
        restoreTunables();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static FileChannel tunablesLock() throws IOException {
    Path lockFile = ClusterDirs.root().resolve("kubelet-tunables.lock");
    return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  /** Restores tunables a killed run left saved, unless a live run is starting kubelets. */
  static synchronized void restoreAbandonedTunables() {
    try (FileChannel ch = tunablesLock();
        var lock = ch.tryLock()) {
      if (lock != null) {
        restoreTunables();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes back the saved tunables, if any, and forgets them. */
  private static void restoreTunables() {
    Path saved = savedTunables();
    if (!Files.exists(saved)) {
      return;
    }
    try {
      for (String line : Files.readAllLines(saved)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          Path file = Path.of("/proc/sys", line.substring(0, eq));
          String value = line.substring(eq + 1);
          if (!readKernelFile(file).equals(value)) {
            Files.writeString(file, value);
          }
        }
      }
      Files.delete(saved);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore kernel tunables from " + saved, e);
    }
  }

  /**
   * A /proc or /sys file's content, trimmed. Not {@code Files.readString}: it trusts the size these
   * files report and returns "1" for a kernel.panic of 10.
   */
  static String readKernelFile(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
    }
  }

  /** Mounts bpffs if absent (as systemd would) and makes it shared, remembering that. */
  static void shareBpffs() {
    if (!Sh.run("mountpoint -q " + BPFFS).succeeded()) {
      // Left mounted on close, as on any systemd machine; only the propagation is put back.
      Sh.ok("mount -t bpf bpf " + BPFFS);
    }
    if (!Sh.ok("findmnt -no PROPAGATION " + BPFFS).trim().startsWith("shared")) {
      Sh.ok("mount --make-shared " + BPFFS);
      try {
        Files.writeString(bpffsMarker(), "made shared by trafficmonitor kubelet nodes\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Makes bpffs private again if a cluster made it shared and no other cluster needs it. */
  static void restoreBpffs(int ownSlot) {
    if (Files.exists(bpffsMarker()) && !NodeLink.othersHold(ownSlot)) {
      Sh.quiet("mount --make-private " + BPFFS);
      try {
        Files.deleteIfExists(bpffsMarker());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Removes the host-wide entries of the nodes whose files are under {@code dir} and whose CNI
   * networks start with {@code networkPrefix}. Run after their processes are gone.
   */
  static void removeLeftovers(Path dir, String networkPrefix) {
    removeCniCache(networkPrefix);
    removeLogLinks(dir);
    Set<String> listening = listeningSockets();
    removeDeadSockets(Path.of("/run/containerd/s"), listening);
    Path devicePlugins = Path.of("/var/lib/kubelet/device-plugins");
    if (!listening.contains(devicePlugins.resolve("kubelet.sock").toString())) {
      // no kubelet serves it: the socket and the checkpoint are a stopped kubelet's
      deleteChildren(devicePlugins);
    }
    for (String d :
        List.of(
            "/var/lib/kubelet/device-plugins",
            "/var/lib/kubelet",
            "/var/log/containers",
            "/var/lib/cni/results",
            "/var/lib/cni",
            "/run/containerd/s",
            "/run/containerd/fifo")) {
      rmdirIfEmpty(Path.of(d));
    }
  }

  /** libcni's results cache: {@code <network>-<sandbox>-eth0} and its loopback twin. */
  private static void removeCniCache(String networkPrefix) {
    Path results = Path.of("/var/lib/cni/results");
    Set<String> sandboxes = new HashSet<>();
    for (Path f : list(results)) {
      String name = f.getFileName().toString();
      if (name.startsWith(networkPrefix)) {
        String[] parts = name.split("-");
        if (parts.length >= 2) {
          sandboxes.add(parts[parts.length - 2]);
        }
        delete(f);
      }
    }
    for (String id : sandboxes) {
      delete(results.resolve("cni-loopback-" + id + "-lo"));
    }
  }

  private static void removeLogLinks(Path dir) {
    for (Path link : list(Path.of("/var/log/containers"))) {
      try {
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).startsWith(dir)) {
          delete(link);
        }
      } catch (IOException e) {
        // gone meanwhile
      }
    }
  }

  private static void removeDeadSockets(Path dir, Set<String> listening) {
    for (Path s : list(dir)) {
      if (!listening.contains(s.toString()) && !Files.isDirectory(s)) {
        delete(s);
      }
    }
  }

  /** Paths of the bound unix sockets on this machine, from /proc/net/unix. */
  private static Set<String> listeningSockets() {
    Set<String> paths = new HashSet<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 8 && f[7].startsWith("/")) {
          paths.add(f[7]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return paths;
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return new ArrayList<>(s.toList());
    } catch (IOException e) {
      return List.of();
    }
  }

  private static void deleteChildren(Path dir) {
    list(dir).forEach(KubeletHost::delete);
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      System.err.println("kubelet nodes: cannot remove " + p + ": " + e);
    }
  }

  private static void rmdirIfEmpty(Path dir) {
    if (Files.isDirectory(dir) && list(dir).isEmpty()) {
      delete(dir);
    }
  }
}
