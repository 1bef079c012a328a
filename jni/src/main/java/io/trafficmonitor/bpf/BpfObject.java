package io.trafficmonitor.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A BPF object file (ELF): opened from bytes, configured (globals, map sizes and types, pinned maps
 * to reuse), loaded, then its programs attached and its maps read. Closing it closes every link
 * made through its programs (detaching those that are not pinned) and frees the kernel objects that
 * nothing else holds (a pin, an attachment); {@link #close()} is safe to call twice.
 *
 * <p>Its maps and programs are used by fd. A closed fd number is soon reused by another object, so
 * every native call on one of them runs under {@link #use}: {@link #close()} waits for the calls in
 * flight, and a call after it fails with {@code EBADF} instead of reading whatever has that number
 * now.
 */
public final class BpfObject implements AutoCloseable {
  private long handle;
  private boolean loaded;
  private final Map<String, BpfProgram> programs = new HashMap<>();
  private final Map<String, BpfMap> maps = new HashMap<>();
  private final Deque<BpfLink> links = new ArrayDeque<>();
  private final ReentrantReadWriteLock fds = new ReentrantReadWriteLock();
  private volatile boolean closed;

  private BpfObject(long handle) {
    this.handle = handle;
  }

  /** Opens (does not load) an object from its ELF bytes; name shows in bpftool. */
  public static BpfObject open(byte[] elf, String name) {
    Native.ensureLoaded();
    return new BpfObject(Native.objOpen(elf, name));
  }

  /** Opens a class-path resource, e.g. {@code /io/trafficmonitor/bpf/progs/flows.bpf.o}. */
  public static BpfObject openResource(String resource, String name) {
    try (InputStream in = BpfObject.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new BpfException(
            "open " + resource, Errno.ENOENT, "not on the class path (trafficmonitor-bpf jar?)");
      }
      return open(in.readAllBytes(), name);
    } catch (IOException e) {
      throw new BpfException("open " + resource, 0, e.toString(), e);
    }
  }

  /** Sets a global ({@code const volatile} rodata, .data or .bss) before load. */
  public synchronized BpfObject setGlobal(String name, byte[] value) {
    Native.objSetGlobal(open(false), name, value);
    return this;
  }

  public synchronized BpfObject setMaxEntries(String map, int maxEntries) {
    Native.mapSetMaxEntries(open(false), map, maxEntries);
    return this;
  }

  /** Before load: whether a program is loaded (one the kernel cannot run can be left out). */
  public synchronized BpfObject setAutoload(String program, boolean on) {
    Native.progSetAutoload(Native.objProgram(open(false), program), on);
    return this;
  }

  /** Changes a map's type before load (e.g. {@link BpfMap#TYPE_PERCPU_HASH}). */
  public synchronized BpfObject setMapType(String map, int type) {
    Native.mapSetType(open(false), map, type);
    return this;
  }

  /**
   * Before load: map {@code mapName} will be the map pinned at {@code pin} (through {@code
   * bpf_map__reuse_fd}) instead of a new one, so the programs read and write what earlier programs
   * left there. The pinned map must have the shape this object gives the map (type, key and value
   * size, max_entries, flags, after {@link #setMaxEntries} and {@link #setMapType}). Throws {@link
   * BpfException}: errno ENOENT when nothing is pinned there, EINVAL when the pin is not a map or
   * the map differs (the message says how), or for libbpf's internal maps (.rodata, .data, .bss,
   * .kconfig: this object's own configuration, never shared).
   */
  public synchronized BpfObject reusePinnedMap(String mapName, Path pin) {
    long h = open(false);
    MapShape wanted = shapeOf(h, mapName);
    int fd = Pins.open(pin, Pins.Type.MAP);
    try {
      String differences = pinnedShape(fd).differences(wanted);
      if (differences != null) {
        throw new BpfException(
            "reuse map " + mapName, Errno.EINVAL, pin + " does not fit: " + differences);
      }
      Native.mapReuseFd(h, mapName, fd); // libbpf keeps a dup
    } finally {
      Native.closeFd(fd);
    }
    return this;
  }

  /**
   * Before load: why {@link #reusePinnedMap} would refuse the map pinned at {@code pin}, or null
   * when it would take it: "nothing pinned at ..." or what differs. Throws {@link BpfException}
   * when something is there that is not a BPF map, or for an internal map.
   */
  public synchronized String pinnedMapMismatch(String mapName, Path pin) {
    long h = open(false);
    MapShape wanted = shapeOf(h, mapName);
    int fd;
    try {
      fd = Pins.open(pin, Pins.Type.MAP);
    } catch (BpfException e) {
      if (e.errno() == Errno.ENOENT) {
        return "nothing pinned at " + pin;
      }
      throw e;
    }
    try {
      String differences = pinnedShape(fd).differences(wanted);
      return differences == null ? null : pin + " does not fit: " + differences;
    } finally {
      Native.closeFd(fd);
    }
  }

  private static MapShape shapeOf(long h, String mapName) {
    int[] def = new int[6];
    Native.mapDef(h, mapName, def);
    if (def[5] != 0) {
      throw new BpfException(
          "reuse map " + mapName,
          Errno.EINVAL,
          "libbpf's internal map (.rodata/.data/.bss/.kconfig) belongs to its object");
    }
    return MapShape.ofDef(def);
  }

  private static MapShape pinnedShape(int fd) {
    int[] info = new int[6];
    Native.mapInfo(fd, info);
    return MapShape.ofInfo(info);
  }

  public synchronized BpfObject load() {
    Native.objLoad(open(false));
    loaded = true;
    return this;
  }

  public synchronized BpfProgram program(String name) {
    long h = open(true);
    return programs.computeIfAbsent(name, n -> new BpfProgram(this, n, Native.objProgram(h, n)));
  }

  public synchronized BpfMap map(String name) {
    long h = open(true);
    return maps.computeIfAbsent(name, n -> new BpfMap(this, n, Native.objMapFd(h, n)));
  }

  /**
   * Holds off {@link #close()} while the caller uses one of this object's fds: returns the held
   * lock, which the caller unlocks in a finally block; throws {@code EBADF} when the object is
   * closed. Not held across callbacks into user code (close() from such a callback would wait for
   * itself).
   */
  Lock use(String operation) {
    Lock lock = fds.readLock();
    lock.lock();
    if (closed) {
      lock.unlock();
      throw new BpfException(operation, Errno.EBADF, "its BpfObject is closed");
    }
    return lock;
  }

  /** Keeps a new link for {@link #close()}; closes it at once when the object closed meanwhile. */
  BpfLink track(BpfLink link) {
    synchronized (this) {
      if (handle != 0) {
        links.push(link);
        return link;
      }
    }
    link.close();
    throw new BpfException(link.target(), Errno.EBADF, "its BpfObject was closed while attaching");
  }

  synchronized void untrack(BpfLink link) {
    links.remove(link);
  }

  synchronized long handle(boolean mustBeLoaded) {
    return open(mustBeLoaded);
  }

  private long open(boolean mustBeLoaded) {
    if (handle == 0) {
      throw new BpfException("bpf_object", Errno.EINVAL, "object is closed");
    }
    if (mustBeLoaded != loaded) {
      throw new BpfException(
          "bpf_object", Errno.EINVAL, mustBeLoaded ? "object not loaded" : "object already loaded");
    }
    return handle;
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    Deque<BpfLink> toClose;
    long h;
    synchronized (this) {
      if (handle == 0) {
        return;
      }
      h = handle;
      handle = 0;
      closed = true;
      toClose = new ArrayDeque<>(links);
      links.clear();
    }
    BpfException first = null;
    for (BpfLink link : toClose) {
      try {
        link.close();
      } catch (BpfException e) {
        first = first == null ? e : first;
      }
    }
    Lock exclusive = fds.writeLock();
    exclusive.lock(); // the fds' users in flight finish first
    try {
      Native.objClose(h);
    } finally {
      exclusive.unlock();
    }
    if (first != null) {
      throw first;
    }
  }
}
