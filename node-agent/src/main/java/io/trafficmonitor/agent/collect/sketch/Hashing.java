package io.trafficmonitor.agent.collect.sketch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * 64-bit hashing for the sketches: XXH64 (seed 0), written out here so as to need no dependency.
 * The {@code long} forms hash the little-endian bytes of their arguments, so {@code hash64(a, b)}
 * equals {@code hash64(bytes)} of the same 16 bytes: a 48-byte flow key read as six longs (as the
 * agent's {@code FlowId} holds it) and the same key as bytes hash alike on a little-endian host.
 *
 * <p>The fixed-arity forms and the array and buffer forms allocate nothing. The output passes
 * SMHasher; the sketches rely on all 64 bits being well mixed.
 */
public final class Hashing {
  private Hashing() {}

  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** The hash of 8 bytes: one long. */
  public static long hash64(long a) {
    return finish(lane(P5 + 8, a));
  }

  /** The hash of 16 bytes, say an IPv6 (or IPv4-mapped) address read as two longs. */
  public static long hash64(long a, long b) {
    return finish(lane(lane(P5 + 16, a), b));
  }

  /** The hash of 48 bytes, say a kernel flow key read as six longs. */
  public static long hash64(long a, long b, long c, long d, long e, long f) {
    long h = merge(round(P1 + P2, a), round(P2, b), round(0, c), round(-P1, d), 48);
    return finish(lane(lane(h, e), f));
  }

  /** The hash of {@code 8 * words.length} bytes (allocates the array when called with varargs). */
  public static long hash64(long... words) {
    int n = words.length;
    long h;
    int i = 0;
    if (n >= 4) {
      long v1 = P1 + P2;
      long v2 = P2;
      long v3 = 0;
      long v4 = -P1;
      for (; i + 4 <= n; i += 4) {
        v1 = round(v1, words[i]);
        v2 = round(v2, words[i + 1]);
        v3 = round(v3, words[i + 2]);
        v4 = round(v4, words[i + 3]);
      }
      h = merge(v1, v2, v3, v4, 8L * n);
    } else {
      h = P5 + 8L * n;
    }
    for (; i < n; i++) {
      h = lane(h, words[i]);
    }
    return finish(h);
  }

  /** The hash of all of {@code data}. */
  public static long hash64(byte[] data) {
    return hash64(data, 0, data.length);
  }

  /** The hash of {@code len} bytes of {@code data} from {@code off}. */
  public static long hash64(byte[] data, int off, int len) {
    int end = off + len;
    int i = off;
    long h;
    if (len >= 32) {
      long v1 = P1 + P2;
      long v2 = P2;
      long v3 = 0;
      long v4 = -P1;
      for (; i + 32 <= end; i += 32) {
        v1 = round(v1, (long) LONGS.get(data, i));
        v2 = round(v2, (long) LONGS.get(data, i + 8));
        v3 = round(v3, (long) LONGS.get(data, i + 16));
        v4 = round(v4, (long) LONGS.get(data, i + 24));
      }
      h = merge(v1, v2, v3, v4, len);
    } else {
      h = P5 + len;
    }
    for (; i + 8 <= end; i += 8) {
      h = lane(h, (long) LONGS.get(data, i));
    }
    if (i + 4 <= end) {
      h ^= ((int) INTS.get(data, i) & 0xFFFF_FFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      i += 4;
    }
    for (; i < end; i++) {
      h ^= (data[i] & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
    }
    return finish(h);
  }

  /**
   * The hash of {@code len} bytes of a buffer from {@code off} (absolute, the buffer's position is
   * untouched), as if they were copied to an array: the same for either byte order of the buffer.
   */
  public static long hash64(ByteBuffer buf, int off, int len) {
    boolean swap = buf.order() != ByteOrder.LITTLE_ENDIAN;
    int end = off + len;
    int i = off;
    long h;
    if (len >= 32) {
      long v1 = P1 + P2;
      long v2 = P2;
      long v3 = 0;
      long v4 = -P1;
      for (; i + 32 <= end; i += 32) {
        v1 = round(v1, le(buf, i, swap));
        v2 = round(v2, le(buf, i + 8, swap));
        v3 = round(v3, le(buf, i + 16, swap));
        v4 = round(v4, le(buf, i + 24, swap));
      }
      h = merge(v1, v2, v3, v4, len);
    } else {
      h = P5 + len;
    }
    for (; i + 8 <= end; i += 8) {
      h = lane(h, le(buf, i, swap));
    }
    if (i + 4 <= end) {
      int w = buf.getInt(i);
      h ^= ((swap ? Integer.reverseBytes(w) : w) & 0xFFFF_FFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      i += 4;
    }
    for (; i < end; i++) {
      h ^= (buf.get(i) & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
    }
    return finish(h);
  }

  /** A cheap bijective 64-bit mix (the XXH64 avalanche), for deriving more bits from a hash. */
  public static long mix(long h) {
    return finish(h);
  }

  private static long le(ByteBuffer buf, int i, boolean swap) {
    long v = buf.getLong(i);
    return swap ? Long.reverseBytes(v) : v;
  }

  private static long round(long acc, long lane) {
    return Long.rotateLeft(acc + lane * P2, 31) * P1;
  }

  private static long lane(long h, long lane) {
    return Long.rotateLeft(h ^ round(0, lane), 27) * P1 + P4;
  }

  private static long merge(long v1, long v2, long v3, long v4, long len) {
    long h =
        Long.rotateLeft(v1, 1)
            + Long.rotateLeft(v2, 7)
            + Long.rotateLeft(v3, 12)
            + Long.rotateLeft(v4, 18);
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
    return h + len;
  }

  private static long mergeRound(long h, long v) {
    return (h ^ round(0, v)) * P1 + P4;
  }

  private static long finish(long h) {
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    return h ^ (h >>> 32);
  }
}
