package io.trafficmonitor.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The native entry points (registered by {@code JNI_OnLoad}) and the loader of the shim library,
 * which ships inside this jar and is extracted and loaded once. When it cannot be loaded, the
 * reason is kept: {@link #ensureLoaded()} throws it, {@link #loadError()} reports it.
 *
 * <p>{@code System.load} needs a file, so the library is copied out of the jar first, into the
 * first directory of {@link #extractDirs} where that works and the copy can be mapped executable,
 * and removed again at once (the mapping outlives the file). On a read-only root filesystem without
 * a writable /tmp, point {@code TM_NATIVE_DIR} (or {@code -Dtrafficmonitor.native.dir}) at a
 * writable volume mounted without noexec, e.g. an emptyDir.
 */
final class Native {
  static final String LIBRARY_RESOURCE =
      "/io/trafficmonitor/bpf/native/linux-x86_64/libtrafficmonitor-jni.so";

  /** Environment variable naming the directory to extract the library into. */
  static final String DIR_ENV = "TM_NATIVE_DIR";

  /** System property naming the directory to extract the library into (wins over the env). */
  static final String DIR_PROPERTY = "trafficmonitor.native.dir";

  private static final Throwable LOAD_ERROR = load();

  private Native() {}

  private static Throwable load() {
    try {
      if (!"amd64".equals(System.getProperty("os.arch"))
          || !System.getProperty("os.name").startsWith("Linux")) {
        return new UnsupportedOperationException(
            "no shim for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
      }
      List<String> failures = new ArrayList<>();
      for (Path dir : extractDirs(System.getenv(), System.getProperties())) {
        try {
          loadFrom(dir);
          return null;
        } catch (IOException | UnsatisfiedLinkError e) {
          failures.add(dir + ": " + e.getMessage());
        }
      }
      return new IOException(
          "cannot extract and load the library in any of "
              + failures
              + "; set "
              + DIR_ENV
              + " to a writable directory mounted without noexec");
    } catch (Throwable t) {
      return t;
    }
  }

  /**
   * Where to extract the library, in order: {@code -Dtrafficmonitor.native.dir} or {@code
   * TM_NATIVE_DIR} when set, {@code java.io.tmpdir}, then /dev/shm (a tmpfs that is writable in
   * most containers even with a read-only root, though often mounted noexec).
   */
  static List<Path> extractDirs(Map<String, String> env, Properties props) {
    List<Path> dirs = new ArrayList<>();
    String configured = props.getProperty(DIR_PROPERTY);
    if (configured == null || configured.isBlank()) {
      configured = env.get(DIR_ENV);
    }
    if (configured != null && !configured.isBlank()) {
      dirs.add(Path.of(configured.trim()));
    }
    String tmp = props.getProperty("java.io.tmpdir");
    if (tmp != null && !tmp.isBlank()) {
      dirs.add(Path.of(tmp));
    }
    dirs.add(Path.of("/dev/shm"));
    return dirs.stream().distinct().toList();
  }

  private static void loadFrom(Path dir) throws IOException {
    try (InputStream in = Native.class.getResourceAsStream(LIBRARY_RESOURCE)) {
      if (in == null) {
        throw new IOException("resource " + LIBRARY_RESOURCE + " missing from the jar");
      }
      Path tmp = Files.createTempFile(dir, "libtrafficmonitor-jni", ".so");
      try {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        System.load(tmp.toAbsolutePath().toString());
      } finally {
        Files.deleteIfExists(tmp); // the mapping stays valid after unlink
      }
    }
  }

  /** Why the shim could not be loaded, if it could not. */
  static Optional<Throwable> loadError() {
    return Optional.ofNullable(LOAD_ERROR);
  }

  static void ensureLoaded() {
    if (LOAD_ERROR != null) {
      throw new BpfException(
          "load " + LIBRARY_RESOURCE, 0, String.valueOf(LOAD_ERROR.getMessage()), LOAD_ERROR);
    }
  }

  // bpf_object life cycle (tm_object.c); these throw BpfException.
  static native long objOpen(byte[] elf, String name);

  static native void objClose(long obj);

  static native void objLoad(long obj);

  static native int objMapFd(long obj, String map);

  static native void objSetGlobal(long obj, String name, byte[] value);

  static native long objProgram(long obj, String name);

  static native void mapSetMaxEntries(long obj, String map, int maxEntries);

  static native void mapSetType(long obj, String map, int type);

  /** Before load: type, key_size, value_size, max_entries, map_flags, internal (0 or 1). */
  static native void mapDef(long obj, String map, int[] out);

  static native void mapReuseFd(long obj, String map, int fd);

  static native int progFd(long prog);

  static native void progSetAutoload(long prog, boolean autoload);

  // maps by fd (tm_map.c): hot paths, they return -errno.
  static native long mapLookupBatch(
      int fd, ByteBuffer inBatch, ByteBuffer outBatch, ByteBuffer keys, ByteBuffer values, int n);

  static native int mapLookup(int fd, byte[] key, byte[] value);

  static native int mapLookupAndDelete(int fd, byte[] key, byte[] value);

  static native int mapUpdate(int fd, byte[] key, byte[] value, long flags);

  static native int mapDelete(int fd, byte[] key);

  static native int mapDeleteBatch(int fd, ByteBuffer keys, int count);

  static native void mapInfo(int fd, int[] out);

  // programs by fd (tm_prog.c); these throw BpfException.
  static native void progInfo(int fd, long[] out);

  static native void progTestRun(int fd, byte[] data, byte[] dataOut, int repeat, int[] out);

  static native int enableStats();

  // the rest (tm_sys.c)
  static native void closeFd(int fd);

  static native int possibleCpus();

  // attaching (tm_attach.c); these throw BpfException.
  static native int tcxAttach(int progFd, int ifindex, boolean ingress);

  static native long tcAttach(int progFd, int ifindex, boolean ingress);

  static native void tcDetach(int ifindex, boolean ingress, int handle, int priority);

  /** An XDP link in one mode ({@code XDP_FLAGS_DRV_MODE} or {@code XDP_FLAGS_SKB_MODE}): its fd. */
  static native int xdpAttach(int progFd, int ifindex, int flags);

  /** (XDP_ATTACHED_* mode << 32) | program id of an interface's XDP program (0: none). */
  static native long xdpQuery(int ifindex);

  static native long progAttachCgroup(long prog, String path);

  static native long progAttach(long prog);

  static native long progAttachRawTracepoint(long prog, String name);

  static native void linkDestroy(long link);

  static native int linkFd(long link);

  static native int nsOpen(String path);

  static native void nsEnter(int fd);

  /** Whether two namespace fds are the same namespace. */
  static native boolean nsSame(int fd1, int fd2);

  // pins and links by fd (tm_pin.c); these throw BpfException.
  static native void objPin(int fd, String path);

  /** Opens a pinned map, program or link; the caller owns the fd. */
  static native int objGet(String path);

  /** id, type, prog_id, target (cgroup id or ifindex of tcx and XDP), attach_type. */
  static native void linkInfo(int fd, long[] out);

  static native void linkUpdate(int linkFd, int progFd);

  // the running kernel's BTF (tm_btf.c)
  /** Fills names/values with the members of an enum; returns their number, -1 if no enum. */
  static native int btfEnum(String enumName, String[] names, long[] values);

  /** Parameters of the function prototype behind a typedef (btf_trace_x), -1 if none. */
  static native int btfFuncProtoParams(String typedefName);

  // rtnetlink (tm_netlink.c); these throw BpfException.
  /** A NETLINK_ROUTE socket in the network namespace nsFd (-1: the calling thread's). */
  static native int nlOpen(int nsFd);

  /** Sends one netlink message, returns the reply messages (see tm_netlink.c). */
  static native byte[] nlTalk(int fd, byte[] request, String operation);

  // kernel feature probes (tm_probe.c): 1 present, 0 absent, -errno when unknown (e.g. -EPERM).
  static native int probeProgType(int type);

  static native int probeMapType(int type);

  static native int probeHelper(int progType, int helper);

  static native int probeTcx();

  static native int probeTracing(String tracepoint);
}
