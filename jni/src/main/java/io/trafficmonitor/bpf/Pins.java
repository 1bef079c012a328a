package io.trafficmonitor.bpf;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Pins on bpffs. A pinned map or link outlives the process that made it: it lives until its pin is
 * removed and no fd, program or attachment uses it any more. Pins lie on a bpffs mount (e.g. {@code
 * /sys/fs/bpf}); {@link BpfMap#pin} and {@link BpfLink#pin} make missing directories (bpffs
 * supports mkdir).
 */
public final class Pins {
  /** What a pin holds. */
  public enum Type {
    MAP,
    PROGRAM,
    LINK
  }

  private Pins() {}

  /**
   * Removes a pin (unlink); false when there was none. Removing the last pin of a link that no fd
   * holds detaches it.
   */
  public static boolean unpin(Path pin) {
    if (Files.isDirectory(pin, LinkOption.NOFOLLOW_LINKS)) {
      throw new BpfException("unlink " + pin, Errno.EINVAL, "is a directory, not a pin");
    }
    try {
      return Files.deleteIfExists(pin);
    } catch (IOException e) {
      throw new BpfException("unlink " + pin, 0, e.toString(), e);
    }
  }

  /** What is pinned at {@code pin}; throws when nothing is or it is not a BPF object. */
  public static Type typeOf(Path pin) {
    Native.ensureLoaded();
    int fd = Native.objGet(pin.toString());
    try {
      return typeOf(fd, pin);
    } finally {
      Native.closeFd(fd);
    }
  }

  /** Pins an fd at {@code pin}, making missing directories on the same bpffs first. */
  static void pin(int fd, Path pin) {
    Path parent = pin.toAbsolutePath().getParent();
    requireBpffs(parent);
    try {
      Files.createDirectories(parent);
    } catch (IOException e) {
      throw new BpfException("mkdir " + parent, 0, e.toString(), e);
    }
    Native.objPin(fd, pin.toString());
  }

  /** Opens the object pinned at {@code pin} as a new fd (the caller's), checking its type. */
  static int open(Path pin, Type expected) {
    int fd = Native.objGet(pin.toString());
    try {
      Type type = typeOf(fd, pin);
      if (type != expected) {
        throw new BpfException(
            "bpf_obj_get",
            Errno.EINVAL,
            pin + " holds a BPF " + name(type) + ", not a " + name(expected));
      }
      return fd;
    } catch (RuntimeException e) {
      Native.closeFd(fd);
      throw e;
    }
  }

  /**
   * Throws unless {@code path}, or its nearest existing ancestor when it does not exist yet, is on
   * a bpffs mount: pins can go nowhere else (and no directory is made elsewhere for them).
   */
  public static void requireBpffs(Path path) {
    Path existing = path.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    try {
      FileStore store = Files.getFileStore(existing);
      if (!"bpf".equals(store.type())) {
        throw new BpfException(
            "pin " + path,
            Errno.EPERM,
            existing + " is on " + store.type() + ", not on a bpffs mount (e.g. /sys/fs/bpf)");
      }
    } catch (IOException e) {
      throw new BpfException("pin " + path, 0, e.toString(), e);
    }
  }

  /** The anonymous inode behind a BPF fd names its type. */
  private static Type typeOf(int fd, Path pin) {
    String target;
    try {
      target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    } catch (IOException e) {
      throw new BpfException("readlink /proc/self/fd/" + fd, 0, e.toString(), e);
    }
    return switch (target) {
      case "anon_inode:bpf-map" -> Type.MAP;
      case "anon_inode:bpf-prog" -> Type.PROGRAM;
      case "anon_inode:bpf-link", "anon_inode:bpf_link" -> Type.LINK; // older kernels: bpf_link
      default ->
          throw new BpfException(
              "bpf_obj_get", Errno.EINVAL, pin + " is not a BPF map, program or link: " + target);
    };
  }

  private static String name(Type type) {
    return type.name().toLowerCase(Locale.ROOT);
  }
}
