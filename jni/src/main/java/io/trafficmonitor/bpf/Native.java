package io.trafficmonitor.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The native entry points (registered by {@code JNI_OnLoad}) and the loader of the shim library,
 * which ships inside this jar and is extracted and loaded once. When it cannot be loaded, the
 * reason is kept: {@link #ensureLoaded()} throws it, {@link #loadError()} reports it.
 */
final class Native {
  static final String LIBRARY_RESOURCE =
      "/io/trafficmonitor/bpf/native/linux-x86_64/libtrafficmonitor-jni.so";

  private static final Throwable LOAD_ERROR = load();

  private Native() {}

  private static Throwable load() {
    try {
      if (!"amd64".equals(System.getProperty("os.arch"))
          || !System.getProperty("os.name").startsWith("Linux")) {
        return new UnsupportedOperationException(
            "no shim for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
      }
      try (InputStream in = Native.class.getResourceAsStream(LIBRARY_RESOURCE)) {
        if (in == null) {
          return new IOException("resource " + LIBRARY_RESOURCE + " missing from the jar");
        }
        Path tmp = Files.createTempFile("libtrafficmonitor-jni", ".so");
        try {
          Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
          System.load(tmp.toAbsolutePath().toString());
        } finally {
          Files.deleteIfExists(tmp); // the mapping stays valid after unlink
        }
      }
      return null;
    } catch (Throwable t) {
      return t;
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

  static native int progFd(long prog);

  static native void progSetAutoload(long prog, boolean autoload);

  // maps and programs by fd (tm_map.c); hot paths return -errno.
  static native long mapLookupBatch(
      int fd, ByteBuffer inBatch, ByteBuffer outBatch, ByteBuffer keys, ByteBuffer values, int n);

  static native int mapLookup(int fd, byte[] key, byte[] value);

  static native int mapLookupAndDelete(int fd, byte[] key, byte[] value);

  static native int mapUpdate(int fd, byte[] key, byte[] value, long flags);

  static native int mapDelete(int fd, byte[] key);

  static native int mapDeleteBatch(int fd, ByteBuffer keys, int count);

  static native void mapInfo(int fd, int[] out);

  static native void progInfo(int fd, long[] out);

  static native void progTestRun(int fd, byte[] data, byte[] dataOut, int repeat, int[] out);

  static native int enableStats();

  static native void closeFd(int fd);

  static native int possibleCpus();

  // attaching (tm_attach.c); these throw BpfException.
  static native int tcxAttach(int progFd, int ifindex, boolean ingress);

  static native long tcAttach(int progFd, int ifindex, boolean ingress);

  static native void tcDetach(int ifindex, boolean ingress, int handle, int priority);

  static native long progAttachCgroup(long prog, String path);

  static native long progAttach(long prog);

  static native long progAttachRawTracepoint(long prog, String name);

  static native void linkDestroy(long link);

  static native int linkFd(long link);

  static native int nsOpen(String path);

  static native void nsEnter(int fd);

  // the running kernel's BTF (tm_btf.c)
  /** Fills names/values with the members of an enum; returns their number, -1 if no enum. */
  static native int btfEnum(String enumName, String[] names, long[] values);

  /** Parameters of the function prototype behind a typedef (btf_trace_x), -1 if none. */
  static native int btfFuncProtoParams(String typedefName);
}
