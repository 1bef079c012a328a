package io.trafficmonitor.agent.collect.sketch;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The heaviest keys of a weighted stream in {@code k} counters (Metwally, Agrawal and El Abbadi's
 * Space-Saving), for 128-bit keys (an IPv6 address or prefix as two longs; IPv4 in the low 32
 * bits).
 *
 * <p><b>Error.</b> A key not counted takes the place of the smallest counter and inherits its count
 * as its error. So a counted key's {@link #count} is never below its true sum and at most {@link
 * #error} (at most N / k, N = {@link #total()}) above it; a key not counted has a true sum of at
 * most {@link #minCount()} (at most N / k). Every key whose sum exceeds N / k is counted.
 *
 * <p><b>Memory.</b> 48 bytes per counter (two key longs, count, error, heap and position ints, two
 * hash-table ints), plus headers: {@link #memoryBytes()}.
 *
 * <p>{@link #add} allocates nothing: the counters are parallel arrays, a min-heap orders them by
 * count, and an open-addressing table (linear probing, deletion by backward shift) finds a key's
 * counter. Not thread-safe.
 */
public final class SpaceSaving {
  private final int k;
  private final long[] hi;
  private final long[] lo;
  private final long[] count;
  private final long[] error;
  private final int[] heap; // counter indices, smallest count first
  private final int[] pos; // counter index -> heap position
  private final int[] table; // counter index + 1, 0 when empty
  private final int mask;
  private int size;
  private long total;

  public SpaceSaving(int k) {
    if (k < 1 || k > 1 << 24) {
      throw new IllegalArgumentException("k must be in [1, 2^24]: " + k);
    }
    this.k = k;
    hi = new long[k];
    lo = new long[k];
    count = new long[k];
    error = new long[k];
    heap = new int[k];
    pos = new int[k];
    table = new int[Integer.highestOneBit(2 * k - 1) << 1];
    mask = table.length - 1;
  }

  /** Adds {@code c} (>= 0) to the key's sum. */
  public void add(long h, long l, long c) {
    total += c;
    int i = find(h, l);
    if (i >= 0) {
      count[i] += c;
      siftDown(pos[i]);
      return;
    }
    if (size < k) {
      i = size;
      hi[i] = h;
      lo[i] = l;
      count[i] = c;
      error[i] = 0;
      heap[size] = i;
      pos[i] = size;
      size++;
      insert(i);
      siftUp(pos[i]);
      return;
    }
    i = heap[0]; // the smallest counter takes the new key, and keeps its count as the error
    remove(i);
    hi[i] = h;
    lo[i] = l;
    error[i] = count[i];
    count[i] += c;
    insert(i);
    siftDown(0);
  }

  /** The key's upper estimate: its count when counted, else {@link #minCount()}. */
  public long estimate(long h, long l) {
    int i = find(h, l);
    return i >= 0 ? count[i] : minCount();
  }

  /** Keys counted (at most k). */
  public int size() {
    return size;
  }

  public int k() {
    return k;
  }

  /** N: the sum of all counts added. */
  public long total() {
    return total;
  }

  /** The smallest count when all k counters are taken, else 0: the most an uncounted key has. */
  public long minCount() {
    return size < k ? 0 : count[heap[0]];
  }

  /** The key of counter {@code i} (0 to size - 1), high half. */
  public long hi(int i) {
    return hi[i];
  }

  public long lo(int i) {
    return lo[i];
  }

  /** Counter i's count: at least the key's true sum. */
  public long count(int i) {
    return count[i];
  }

  /** Counter i's most overestimate: count - error is at most the key's true sum. */
  public long error(int i) {
    return error[i];
  }

  /** Bytes of heap held: the arrays and object headers. */
  public long memoryBytes() {
    return 4L * (8L * k + 16) + 2L * (4L * k + 16) + 4L * table.length + 16 + 64;
  }

  /** Writes the counters for {@link #read}. */
  public void write(DataOutput out) throws IOException {
    out.writeInt(k);
    out.writeLong(total);
    out.writeInt(size);
    for (int i = 0; i < size; i++) {
      out.writeLong(hi[i]);
      out.writeLong(lo[i]);
      out.writeLong(count[i]);
      out.writeLong(error[i]);
    }
  }

  /** Counters written by {@link #write}. */
  public static SpaceSaving read(DataInput in) throws IOException {
    SpaceSaving s = new SpaceSaving(in.readInt());
    long total = in.readLong();
    int n = in.readInt();
    if (n < 0 || n > s.k) {
      throw new IOException("bad Space-Saving size " + n);
    }
    for (int i = 0; i < n; i++) {
      long h = in.readLong();
      long l = in.readLong();
      long c = in.readLong();
      long e = in.readLong();
      s.add(h, l, c);
      s.error[s.find(h, l)] = e;
    }
    s.total = total;
    return s;
  }

  private int slot(long h, long l) {
    return (int) (Hashing.mix(h * 0x9E3779B97F4A7C15L ^ l) & mask);
  }

  private int find(long h, long l) {
    for (int s = slot(h, l); ; s = (s + 1) & mask) {
      int e = table[s];
      if (e == 0) {
        return -1;
      }
      if (hi[e - 1] == h && lo[e - 1] == l) {
        return e - 1;
      }
    }
  }

  private void insert(int i) {
    int s = slot(hi[i], lo[i]);
    while (table[s] != 0) {
      s = (s + 1) & mask;
    }
    table[s] = i + 1;
  }

  /** Removes counter i's entry, moving later entries of the probe run back into the hole. */
  private void remove(int i) {
    int s = slot(hi[i], lo[i]);
    while (table[s] != i + 1) {
      s = (s + 1) & mask;
    }
    int hole = s;
    for (s = (s + 1) & mask; table[s] != 0; s = (s + 1) & mask) {
      int e = table[s] - 1;
      int home = slot(hi[e], lo[e]);
      // Move e into the hole unless its home lies cyclically in (hole, s].
      if (((s - home) & mask) >= ((s - hole) & mask)) {
        table[hole] = table[s];
        hole = s;
      }
    }
    table[hole] = 0;
  }

  private void siftUp(int p) {
    int c = heap[p];
    while (p > 0) {
      int parent = (p - 1) >>> 1;
      if (count[heap[parent]] <= count[c]) {
        break;
      }
      place(heap[parent], p);
      p = parent;
    }
    place(c, p);
  }

  private void siftDown(int p) {
    int c = heap[p];
    int half = size >>> 1;
    while (p < half) {
      int child = 2 * p + 1;
      if (child + 1 < size && count[heap[child + 1]] < count[heap[child]]) {
        child++;
      }
      if (count[c] <= count[heap[child]]) {
        break;
      }
      place(heap[child], p);
      p = child;
    }
    place(c, p);
  }

  private void place(int c, int p) {
    heap[p] = c;
    pos[c] = p;
  }
}
