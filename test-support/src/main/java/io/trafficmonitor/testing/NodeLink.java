package io.trafficmonitor.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The host side of one cluster's {@link KubeletNodes}: a bridge on the host that every node's
 * {@code eth0} joins, with the address the API server listens on, and the address plan of the nodes
 * and their pods.
 *
 * <p>Several runs may share the machine (engineers, JVMs), so each cluster takes a free slot {@code
 * k} (0-7), held by a file lock for as long as it lives; a lock dies with its JVM, so a free slot's
 * leftovers belong to a killed run and are swept before it is used. Slot {@code k}:
 *
 * <ul>
 *   <li>bridge {@code tmk<k>-br0}, host address {@code 10.210.<k>.1/24};
 *   <li>node {@code i} (0-based): network namespace and cgroup {@code tmk<k>-<node>}, host-side
 *       veth {@code tmk<k>-v<i>}, address {@code 10.210.<k>.<i+2>}, pods {@code
 *       10.211.<16k+i>.0/24}.
 * </ul>
 */
final class NodeLink implements AutoCloseable {
  static final int SLOTS = 8;
  static final int MAX_NODES = 16;

  private final int slot;
  private FileChannel lock;

  private NodeLink(int slot, FileChannel lock) {
    this.slot = slot;
    this.lock = lock;
  }

  /** Takes a free slot, sweeps what a killed run left in it, and creates its bridge. */
  static NodeLink acquire() {
    for (int k = 0; k < SLOTS; k++) {
      FileChannel ch = tryLock(k);
      if (ch != null) {
        NodeLink link = new NodeLink(k, ch);
        try {
          sweep(k);
          Sh.ok(
              "ip link add "
                  + link.bridge()
                  + " type bridge && ip addr add "
                  + link.hostAddress()
                  + "/24 dev "
                  + link.bridge()
                  + " && ip link set "
                  + link.bridge()
                  + " up");
          return link;
        } catch (RuntimeException e) {
          link.close();
          throw e;
        }
      }
    }
    throw new IllegalStateException(
        "all " + SLOTS + " kubelet-node slots are taken by running clusters");
  }

  private static Path lockFile(int k) {
    return ClusterDirs.root().resolve("kubelet-slot-" + k + ".lock");
  }

  /** The slot's lock channel if this call took it, else null (held elsewhere or in this JVM). */
  private static FileChannel tryLock(int k) {
    try {
      Files.createDirectories(ClusterDirs.root());
      FileChannel ch =
          FileChannel.open(lockFile(k), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        ch.close();
        return null;
      }
      return ch;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether a live cluster other than {@code self} holds a slot. */
  static boolean othersHold(int self) {
    for (int k = 0; k < SLOTS; k++) {
      if (k == self) {
        continue;
      }
      FileChannel ch = tryLock(k);
      if (ch == null) {
        return true;
      }
      try {
        ch.close();
      } catch (IOException e) {
        // released anyway
      }
    }
    return false;
  }

  /** Whether slot {@code k} is free: no live cluster holds it. */
  static boolean free(int k) {
    FileChannel ch = tryLock(k);
    if (ch == null) {
      return false;
    }
    try {
      ch.close();
    } catch (IOException e) {
      // released anyway
    }
    return true;
  }

  /**
   * Removes what slot {@code k}'s nodes made on the host: kills every process in their cgroups
   * (kubelets, containerds, shims, containers), removes the cgroups in every hierarchy, the network
   * namespaces and the bridge. Mounts are the cluster directory's (see {@link KubeletNodes#sweep}).
   */
  static void sweep(int k) {
    String prefix = prefix(k);
    Path unified = Cgroups.root();
    for (Path dir : Cgroups.children(unified, prefix)) {
      Cgroups.killAndRemove(dir);
    }
    for (Path hierarchy : Cgroups.hierarchies()) {
      for (Path dir : Cgroups.children(hierarchy, prefix)) {
        Cgroups.removeTree(dir);
      }
    }
    String netns = Sh.run("ip netns list").stdout();
    Arrays.stream(netns.split("\n"))
        .map(l -> l.split(" ")[0])
        .filter(n -> n.startsWith(prefix))
        .forEach(n -> Sh.quiet("ip netns del " + n));
    Sh.quiet("ip link del " + prefix + "br0");
  }

  private static String prefix(int k) {
    return "tmk" + k + "-";
  }

  int slot() {
    return slot;
  }

  /** The prefix of this slot's host-wide names: namespaces, cgroups, links, CNI networks. */
  String prefix() {
    return prefix(slot);
  }

  String bridge() {
    return prefix() + "br0";
  }

  /** The host's address on the bridge: the API server listens here. */
  String hostAddress() {
    return "10.210." + slot + ".1";
  }

  String nodeAddress(int i) {
    return "10.210." + slot + "." + (i + 2);
  }

  String podCidr(int i) {
    return "10.211." + (slot * MAX_NODES + i) + ".0/24";
  }

  String podGateway(int i) {
    return "10.211." + (slot * MAX_NODES + i) + ".1";
  }

  String hostVeth(int i) {
    return prefix() + "v" + i;
  }

  /** Removes the slot's host objects and releases it. Safe twice. */
  @Override
  public synchronized void close() {
    if (lock == null) {
      return;
    }
    try {
      sweep(slot);
    } finally {
      try {
        lock.close();
      } catch (IOException e) {
        // the lock goes with the channel either way
      }
      lock = null;
    }
  }
}
