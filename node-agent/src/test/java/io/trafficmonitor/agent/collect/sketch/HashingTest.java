package io.trafficmonitor.agent.collect.sketch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HashingTest {
  private static long xxh64(String s) {
    return Hashing.hash64(s.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void matchesReferenceXxh64Vectors() {
    assertThat(xxh64("")).isEqualTo(0xEF46DB3751D8E999L);
    assertThat(xxh64("a")).isEqualTo(0xD24EC4F1A98C6E5BL);
    assertThat(xxh64("abc")).isEqualTo(0x44BC2CF5AD770999L);
    assertThat(xxh64("Nobody inspects the spammish repetition")).isEqualTo(0xFBCEA83C8A378BF1L);
  }

  @Test
  void longAndBufferFormsHashTheSameBytesAsTheArrayForm() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int n = 0; n <= 9; n++) {
      long[] w = new long[n];
      ByteBuffer le = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        w[i] = rnd.nextLong();
        le.putLong(w[i]);
      }
      long expected = Hashing.hash64(le.array());
      assertThat(Hashing.hash64(w)).isEqualTo(expected);
      assertThat(Hashing.hash64(le, 0, 8 * n)).isEqualTo(expected);
      ByteBuffer be = ByteBuffer.wrap(le.array()).order(ByteOrder.BIG_ENDIAN);
      assertThat(Hashing.hash64(be, 0, 8 * n)).isEqualTo(expected);
      if (n == 1) {
        assertThat(Hashing.hash64(w[0])).isEqualTo(expected);
      } else if (n == 2) {
        assertThat(Hashing.hash64(w[0], w[1])).isEqualTo(expected);
      } else if (n == 6) {
        assertThat(Hashing.hash64(w[0], w[1], w[2], w[3], w[4], w[5])).isEqualTo(expected);
      }
    }
  }

  @Test
  void unalignedRangesOfEveryLengthAgree() {
    byte[] data = new byte[80];
    new SplittableRandom(3).nextBytes(data);
    ByteBuffer buf = ByteBuffer.wrap(data);
    for (int off = 0; off < 8; off++) {
      for (int len = 0; len + off <= 72; len++) {
        byte[] copy = Arrays.copyOfRange(data, off, off + len);
        long expected = Hashing.hash64(copy);
        assertThat(Hashing.hash64(data, off, len)).isEqualTo(expected);
        assertThat(Hashing.hash64(buf, off, len)).isEqualTo(expected);
      }
    }
  }

  @Test
  void flippingOneInputBitFlipsAboutHalfTheOutputBits() {
    SplittableRandom rnd = new SplittableRandom(11);
    long flipped = 0;
    int trials = 0;
    for (int t = 0; t < 200; t++) {
      long x = rnd.nextLong();
      long h = Hashing.hash64(x);
      for (int bit = 0; bit < 64; bit++) {
        flipped += Long.bitCount(h ^ Hashing.hash64(x ^ (1L << bit)));
        trials++;
      }
    }
    assertThat((double) flipped / trials).isBetween(31.5, 32.5);
  }
}
