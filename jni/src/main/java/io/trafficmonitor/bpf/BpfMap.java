package io.trafficmonitor.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.locks.Lock;

/**
 * A map of a loaded {@link BpfObject}, usable while the object is open: after {@link
 * BpfObject#close()} every operation throws a {@link BpfException} with errno {@code EBADF} (the
 * map's fd number may belong to another file by then). Single-entry operations take byte arrays in
 * the kernel's layout (host order); bulk reads go through {@link BatchReader} into direct buffers.
 * Per-CPU values are {@link #valueStride()} bytes: one 8-byte aligned slot per possible CPU.
 */
public final class BpfMap {
  public static final int TYPE_HASH = 1;
  public static final int TYPE_ARRAY = 2;
  public static final int TYPE_PERCPU_HASH = 5;
  public static final int TYPE_PERCPU_ARRAY = 6;
  public static final int TYPE_LRU_HASH = 9;
  public static final int TYPE_LRU_PERCPU_HASH = 10;

  /** Update flags. */
  public static final long ANY = 0;

  public static final long NOEXIST = 1;
  public static final long EXIST = 2;

  private final BpfObject owner;
  private final String name;
  private final int fd;
  private final int type;
  private final int keySize;
  private final int valueSize;
  private final int maxEntries;
  private final int id;
  private final int cpus;

  BpfMap(BpfObject owner, String name, int fd) {
    this.owner = owner;
    this.name = name;
    this.fd = fd;
    int[] info = new int[6];
    Native.mapInfo(fd, info);
    this.type = info[0];
    this.keySize = info[1];
    this.valueSize = info[2];
    this.maxEntries = info[3];
    this.id = info[4];
    this.cpus = isPerCpu(type) ? Native.possibleCpus() : 1;
  }

  /**
   * The kernel's possible CPUs (not only the online ones): the number of copies of a per-CPU map's
   * value.
   */
  public static int possibleCpus() {
    Native.ensureLoaded();
    return Native.possibleCpus();
  }

  static boolean isPerCpu(int type) {
    return type == TYPE_PERCPU_HASH || type == TYPE_PERCPU_ARRAY || type == TYPE_LRU_PERCPU_HASH;
  }

  public String name() {
    return name;
  }

  /**
   * The map's fd, for a native call of the caller's own: valid only while the object is open (a
   * closed fd's number is reused); throws when it is closed already.
   */
  public int fd() {
    owner.use("bpf_map " + name).unlock();
    return fd;
  }

  public int type() {
    return type;
  }

  public int id() {
    return id;
  }

  public int keySize() {
    return keySize;
  }

  public int valueSize() {
    return valueSize;
  }

  public int maxEntries() {
    return maxEntries;
  }

  /**
   * Pins the map at {@code pin} on bpffs (missing directories are made): it then outlives its
   * object and this process, until {@link Pins#unpin} and the last program or fd using it go. A
   * later object takes it over with {@link BpfObject#reusePinnedMap}. Fails with EEXIST when
   * something is pinned there already.
   */
  public void pin(Path pin) {
    Lock open = owner.use("bpf_obj_pin(" + name + ")");
    try {
      Pins.pin(fd, pin);
    } finally {
      open.unlock();
    }
  }

  /** CPUs whose values a lookup returns: possible CPUs for per-CPU maps, else 1. */
  public int cpus() {
    return cpus;
  }

  /** Bytes of one value as read from user space. */
  public int valueStride() {
    return cpus == 1 ? valueSize : ((valueSize + 7) & ~7) * cpus;
  }

  /**
   * The first {@code n} entries of a per-CPU array of u64 counters (u32 keys 0..n-1), each summed
   * over the CPUs; 0 for an entry that cannot be read.
   */
  public long[] sumPerCpuCounters(int n) {
    long[] sums = new long[n];
    byte[] v = newValue();
    int slot = (valueSize + 7) & ~7;
    ByteBuffer key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      if (lookup(key.putInt(0, i).array(), v)) {
        ByteBuffer vb = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        for (int cpu = 0; cpu < cpus; cpu++) {
          sums[i] += vb.getLong(cpu * slot);
        }
      }
    }
    return sums;
  }

  /** A value array of {@link #valueStride()} bytes. */
  public byte[] newValue() {
    return new byte[valueStride()];
  }

  /** Copies the value of key into value; false when there is no such key. */
  public boolean lookup(byte[] key, byte[] value) {
    check(key);
    checkValue(value);
    int r;
    Lock open = owner.use("bpf_map_lookup_elem(" + name + ")");
    try {
      r = Native.mapLookup(fd, key, value);
    } finally {
      open.unlock();
    }
    if (r == -Errno.ENOENT) {
      return false;
    }
    if (r < 0) {
      throw BpfException.ofResult("bpf_map_lookup_elem(" + name + ")", r);
    }
    return true;
  }

  /** Atomically reads and removes an entry; false when there is no such key. */
  public boolean lookupAndDelete(byte[] key, byte[] value) {
    check(key);
    checkValue(value);
    int r;
    Lock open = owner.use("bpf_map_lookup_and_delete_elem(" + name + ")");
    try {
      r = Native.mapLookupAndDelete(fd, key, value);
    } finally {
      open.unlock();
    }
    if (r == -Errno.ENOENT) {
      return false;
    }
    if (r < 0) {
      throw BpfException.ofResult("bpf_map_lookup_and_delete_elem(" + name + ")", r);
    }
    return true;
  }

  public void update(byte[] key, byte[] value, long flags) {
    check(key);
    checkValue(value);
    int r;
    Lock open = owner.use("bpf_map_update_elem(" + name + ")");
    try {
      r = Native.mapUpdate(fd, key, value, flags);
    } finally {
      open.unlock();
    }
    if (r < 0) {
      throw BpfException.ofResult("bpf_map_update_elem(" + name + ")", r);
    }
  }

  /** Removes an entry; false when there was none. */
  public boolean delete(byte[] key) {
    check(key);
    int r;
    Lock open = owner.use("bpf_map_delete_elem(" + name + ")");
    try {
      r = Native.mapDelete(fd, key);
    } finally {
      open.unlock();
    }
    if (r == -Errno.ENOENT) {
      return false;
    }
    if (r < 0) {
      throw BpfException.ofResult("bpf_map_delete_elem(" + name + ")", r);
    }
    return true;
  }

  /** A reader with buffers for batchSize entries; reuse it for every collection. */
  public BatchReader batchReader(int batchSize) {
    return new BatchReader(batchSize);
  }

  private byte[] check(byte[] key) {
    if (key.length != keySize) {
      throw new BpfException(name, Errno.EINVAL, "key of " + key.length + " bytes, not " + keySize);
    }
    return key;
  }

  private byte[] checkValue(byte[] value) {
    if (value.length != valueStride()) {
      throw new BpfException(
          name, Errno.EINVAL, "value of " + value.length + " bytes, not " + valueStride());
    }
    return value;
  }

  /** Receives one batch: entry i's key at {@code i * keySize}, value at {@code i * stride}. */
  @FunctionalInterface
  public interface BatchVisitor {
    void accept(ByteBuffer keys, ByteBuffer values, int count);
  }

  /**
   * Reads the whole map with {@code bpf_map_lookup_batch} into direct buffers (native byte order).
   * Entries inserted or deleted during a read may or may not be seen; every entry present
   * throughout is seen exactly once.
   */
  public final class BatchReader {
    private final int batchSize;
    private final ByteBuffer keys;
    private final ByteBuffer values;
    private final ByteBuffer tokenIn = ByteBuffer.allocateDirect(Math.max(keySize, 8));
    private final ByteBuffer tokenOut = ByteBuffer.allocateDirect(Math.max(keySize, 8));

    BatchReader(int batchSize) {
      this.batchSize = batchSize;
      this.keys = ByteBuffer.allocateDirect(batchSize * keySize).order(ByteOrder.nativeOrder());
      this.values =
          ByteBuffer.allocateDirect(batchSize * valueStride()).order(ByteOrder.nativeOrder());
    }

    /** Reads every entry; returns how many. */
    public long read(BatchVisitor visitor) {
      long total = 0;
      ByteBuffer in = null;
      while (true) {
        long r;
        Lock open = owner.use("bpf_map_lookup_batch(" + name + ")");
        try {
          r = Native.mapLookupBatch(fd, in, tokenOut, keys, values, batchSize);
        } finally {
          open.unlock(); // not held while the visitor runs
        }
        if (r < 0) {
          if (r == -Errno.ENOENT) {
            return total;
          }
          throw BpfException.ofResult("bpf_map_lookup_batch(" + name + ")", r);
        }
        int n = (int) (r & 0xffffffffL);
        boolean done = (r >>> 32) != 0;
        if (n > 0) {
          visitor.accept(keys.clear(), values.clear(), n);
          total += n;
        }
        if (done) {
          return total;
        }
        tokenIn.clear().put(tokenOut.clear()).clear();
        tokenOut.clear();
        in = tokenIn;
      }
    }
  }
}
