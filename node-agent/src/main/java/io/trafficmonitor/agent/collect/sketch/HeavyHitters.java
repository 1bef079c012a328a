package io.trafficmonitor.agent.collect.sketch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The k keys with the largest sums (top flows, top talkers by bytes) in bounded memory: a {@link
 * CountMinSketch} estimates every key's sum, and a min-heap of at most k candidates keeps the keys
 * whose estimates are the largest seen (Cormode and Muthukrishnan's "CMS + heap").
 *
 * <p><b>Error.</b> A reported estimate is at least the key's true sum and, with probability {@code
 * 1 - delta} each, at most {@code epsilon * N} above it (N = {@link CountMinSketch#total()}). Since
 * the sketch remembers every key's sum, a key that grows in many small steps enters the candidates
 * once its estimate passes the smallest candidate's. So every key whose true sum exceeds the k-th
 * largest true sum by more than {@code epsilon * N} is reported, and keys whose sums differ by more
 * than that are reported in the right order.
 *
 * <p><b>Memory.</b> The sketch's, plus about 100 bytes per candidate (heap slot, map entry), plus
 * the k keys themselves: for k = 10 with the default sketch, about 161 KiB.
 *
 * <p>{@link #add} allocates nothing unless a key enters the candidates: a caller may pass a reused,
 * mutable probe key if it gives a {@code keep} function that copies it on entry. Keys need {@code
 * equals} and {@code hashCode}. Not thread-safe.
 */
public final class HeavyHitters<K> {
  /** A key and its estimated sum. */
  public record Entry<K>(K key, long estimate) {}

  private static final class Candidate<K> {
    final K key;
    final long hash;
    long estimate;
    int pos;

    Candidate(K key, long hash, long estimate) {
      this.key = key;
      this.hash = hash;
      this.estimate = estimate;
    }
  }

  private final int k;
  private final CountMinSketch sketch;
  private final UnaryOperator<K> keep;
  private final Map<K, Candidate<K>> byKey;
  private final Candidate<K>[] heap;
  private int size;

  /** Keeps the top {@code k} of immutable keys. */
  public HeavyHitters(int k, CountMinSketch sketch) {
    this(k, sketch, UnaryOperator.identity());
  }

  /** Keeps the top {@code k}; {@code keep} makes the copy kept when a key enters the top. */
  @SuppressWarnings("unchecked")
  public HeavyHitters(int k, CountMinSketch sketch, UnaryOperator<K> keep) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1: " + k);
    }
    this.k = k;
    this.sketch = sketch;
    this.keep = keep;
    this.byKey = new HashMap<>(k * 2);
    this.heap = (Candidate<K>[]) new Candidate<?>[k];
  }

  public int k() {
    return k;
  }

  public CountMinSketch sketch() {
    return sketch;
  }

  /** Adds {@code count} to the key's sum ({@code hash} = its 64-bit hash); returns its estimate. */
  public long add(K key, long hash, long count) {
    long estimate = sketch.add(hash, count);
    Candidate<K> c = byKey.get(key);
    if (c != null) {
      c.estimate = estimate;
      siftDown(c.pos);
    } else if (size < k) {
      c = new Candidate<>(keep.apply(key), hash, estimate);
      byKey.put(c.key, c);
      heap[size] = c;
      c.pos = size;
      siftUp(size++);
    } else {
      // The stored estimates may lag the sketch: refresh the smallest before evicting it.
      while (estimate > heap[0].estimate) {
        Candidate<K> min = heap[0];
        long fresh = sketch.estimate(min.hash);
        if (fresh == min.estimate) {
          byKey.remove(min.key);
          c = new Candidate<>(keep.apply(key), hash, estimate);
          byKey.put(c.key, c);
          heap[0] = c;
          siftDown(0);
          break;
        }
        min.estimate = fresh;
        siftDown(0);
      }
    }
    return estimate;
  }

  /** The candidates, largest estimate first, with their current estimates. */
  public List<Entry<K>> top() {
    List<Entry<K>> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(new Entry<>(heap[i].key, sketch.estimate(heap[i].hash)));
    }
    out.sort(Comparator.comparingLong((Entry<K> e) -> e.estimate).reversed());
    return out;
  }

  /** Forgets every key and count (the sketch's too). */
  public void clear() {
    sketch.clear();
    byKey.clear();
    Arrays.fill(heap, null);
    size = 0;
  }

  /** Approximate bytes of heap held, excluding the keys: the sketch, heap and map. */
  public long memoryBytes() {
    // Per candidate: Candidate object 40, heap slot 8, HashMap node 32 and two table slots 16.
    return sketch.memoryBytes() + 96L * k + 64;
  }

  private void siftUp(int i) {
    Candidate<K> c = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (heap[parent].estimate <= c.estimate) {
        break;
      }
      place(heap[parent], i);
      i = parent;
    }
    place(c, i);
  }

  private void siftDown(int i) {
    Candidate<K> c = heap[i];
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      if (child + 1 < size && heap[child + 1].estimate < heap[child].estimate) {
        child++;
      }
      if (c.estimate <= heap[child].estimate) {
        break;
      }
      place(heap[child], i);
      i = child;
    }
    place(c, i);
  }

  private void place(Candidate<K> c, int i) {
    heap[i] = c;
    c.pos = i;
  }
}
