package io.trafficmonitor.agent.collect.sketch;

import java.util.SplittableRandom;

/**
 * Synthetic flows for the sketch tests and bench: each a 48-byte kernel flow key (as six longs, the
 * agent's {@code FlowId}), its peer's address (16 bytes, IPv4-mapped, as two longs) and its total
 * bytes. Flow i is unique: its local address and source port encode i.
 */
final class Flows {
  final int n;
  final long[] keys;
  final long[] peerAddresses;
  final int[] peerIndex;
  final long[] bytes;

  private Flows(int n) {
    this.n = n;
    this.keys = new long[6 * n];
    this.peerAddresses = new long[2 * n];
    this.peerIndex = new int[n];
    this.bytes = new long[n];
  }

  /** n flows to peers drawn uniformly from {@code peerCount}, bytes of a Zipf law of exponent s. */
  static Flows zipf(int n, int peerCount, double s, double scale, long seed) {
    Flows f = new Flows(n);
    SplittableRandom rnd = new SplittableRandom(seed);
    int[] rank = permutation(n, rnd); // which flow gets which size: not in key order
    for (int i = 0; i < n; i++) {
      f.set(i, rnd.nextInt(peerCount), Math.max(1, Math.round(scale / Math.pow(rank[i] + 1, s))));
    }
    return f;
  }

  static Flows empty(int n) {
    return new Flows(n);
  }

  /** Sets flow i: egress TCP from 10.0.x.y:port (x, y, port from i) to peer 10.128.0.0 + peer. */
  void set(int i, int peer, long total) {
    long local = 0x0A00_0000L | (i >>> 16);
    long remote = 0x0A80_0000L + peer;
    long sport = i & 0xFFFF;
    long dport = 443;
    // Little-endian longs of the kernel layout: ::ffff:a.b.c.d has ff ff at bytes 10-11 and the
    // address in network order at bytes 12-15.
    keys[6 * i] = 0;
    keys[6 * i + 1] = mapped(local);
    keys[6 * i + 2] = 0;
    keys[6 * i + 3] = mapped(remote);
    keys[6 * i + 4] = 1000 + (i % 100); // cgroup id
    keys[6 * i + 5] = sport | dport << 16 | 6L << 32 | 4L << 40 | 1L << 48 | 1L << 56;
    peerAddresses[2 * i] = 0;
    peerAddresses[2 * i + 1] = mapped(remote);
    peerIndex[i] = peer;
    bytes[i] = total;
  }

  private static long mapped(long ipv4) {
    return 0xFFFF_0000L | (Integer.reverseBytes((int) ipv4) & 0xFFFF_FFFFL) << 32;
  }

  long flowHash(int i) {
    int o = 6 * i;
    return Hashing.hash64(keys[o], keys[o + 1], keys[o + 2], keys[o + 3], keys[o + 4], keys[o + 5]);
  }

  long peerHash(int i) {
    return Hashing.hash64(peerAddresses[2 * i], peerAddresses[2 * i + 1]);
  }

  /** The bytes of flow i sent in round r of {@code rounds} (the agent's per-interval deltas). */
  long delta(int i, int r, int rounds) {
    long part = bytes[i] / rounds;
    return r == rounds - 1 ? bytes[i] - part * (rounds - 1) : part;
  }

  static int[] permutation(int n, SplittableRandom rnd) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** A mutable key of up to six longs, as the agent's reused probe; {@link #copy} to keep it. */
  static final class Key {
    long a;
    long b;
    long c;
    long d;
    long e;
    long f;

    Key flow(Flows flows, int i) {
      int o = 6 * i;
      long[] k = flows.keys;
      a = k[o];
      b = k[o + 1];
      c = k[o + 2];
      d = k[o + 3];
      e = k[o + 4];
      f = k[o + 5];
      return this;
    }

    Key peer(Flows flows, int i) {
      a = flows.peerAddresses[2 * i];
      b = flows.peerAddresses[2 * i + 1];
      c = d = e = f = 0;
      return this;
    }

    Key copy() {
      Key k = new Key();
      k.a = a;
      k.b = b;
      k.c = c;
      k.d = d;
      k.e = e;
      k.f = f;
      return k;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && k.a == a
          && k.b == b
          && k.c == c
          && k.d == d
          && k.e == e
          && k.f == f;
    }

    @Override
    public int hashCode() {
      long h = ((((a * 31 + b) * 31 + c) * 31 + d) * 31 + e) * 31 + f;
      h *= 0xBF58476D1CE4E5B9L;
      return (int) (h ^ (h >>> 32));
    }
  }
}
