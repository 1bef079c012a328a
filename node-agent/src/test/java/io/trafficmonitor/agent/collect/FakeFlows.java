package io.trafficmonitor.agent.collect;

import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.datapath.flow.FlowKey;
import io.trafficmonitor.datapath.flow.FlowLayout;
import io.trafficmonitor.datapath.flow.TargetKind;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** An in-memory flow map in the kernel's layouts. */
public final class FakeFlows implements FlowSource {
  public record Stats(long bytes, long packets, long lastSeen) {}

  public final Map<ByteBuffer, Stats> flows = new LinkedHashMap<>();

  /** Kernel sequence state per key: received, reverse, small gaps, big gaps, missing. */
  public final Map<ByteBuffer, long[]> sequences = new LinkedHashMap<>();

  /**
   * Inter-arrival statistics per key: intervals, their sum (ns), the sum of their squares (us^2).
   */
  public final Map<ByteBuffer, long[]> arrivals = new LinkedHashMap<>();

  public void arrivals(FlowKey k, long intervals, long sumNanos, long sumSquaresMicros) {
    arrivals.put(ByteBuffer.wrap(k.encode()), new long[] {intervals, sumNanos, sumSquaresMicros});
  }

  /** The kernel's OR of each flow's TCP flags, per key. */
  public final Map<ByteBuffer, Integer> tcpFlags = new LinkedHashMap<>();

  public void tcpFlags(FlowKey k, int flags) {
    tcpFlags.put(ByteBuffer.wrap(k.encode()), flags);
  }

  public void sequence(FlowKey k, long... figures) {
    sequences.put(ByteBuffer.wrap(k.encode()), figures.clone());
  }

  private static void putStats(ByteBuffer values, int vo, Stats s) {
    values.putLong(vo + FlowLayout.STATS_BYTES, s.bytes);
    values.putLong(vo + FlowLayout.STATS_PACKETS, s.packets);
    // payload: bytes minus 28 header bytes per packet (IPv4 + UDP); every packet 64..127 bytes
    values.putLong(vo + FlowLayout.STATS_PAYLOAD_BYTES, s.bytes - 28 * s.packets);
    values.putLong(vo + FlowLayout.STATS_LAST_SEEN, s.lastSeen);
    values.putInt(vo + FlowLayout.STATS_SIZE_HIST + 4 * 6, (int) s.packets);
  }

  private static void putSequence(ByteBuffer values, int vo, long[] f) {
    values.putLong(vo + FlowLayout.SEQ_RECEIVED, f[0]);
    values.putLong(vo + FlowLayout.SEQ_REVERSE, f[1]);
    values.putLong(vo + FlowLayout.SEQ_SMALL_GAPS, f[2]);
    values.putLong(vo + FlowLayout.SEQ_BIG_GAPS, f[3]);
    values.putLong(vo + FlowLayout.SEQ_MISSING, f[4]);
  }

  @Override
  public void readSequences(BpfMap.BatchVisitor visitor) {
    ByteBuffer keys = ByteBuffer.allocateDirect(FlowLayout.KEY_SIZE).order(ByteOrder.nativeOrder());
    ByteBuffer values =
        ByteBuffer.allocateDirect(FlowLayout.SEQ_SIZE).order(ByteOrder.nativeOrder());
    for (var e : sequences.entrySet()) {
      keys.put(0, e.getKey().array());
      putSequence(values, 0, e.getValue());
      visitor.accept(keys, values, 1);
    }
  }

  @Override
  public boolean removeSequence(byte[] key, byte[] value) {
    long[] f = sequences.remove(ByteBuffer.wrap(Arrays.copyOf(key, key.length)));
    if (f == null) {
      return false;
    }
    putSequence(ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()), 0, f);
    return true;
  }

  int batch = 3;

  public static FlowKey key(
      String src,
      int sport,
      String dst,
      int dport,
      int proto,
      TargetKind kind,
      long target,
      Direction dir) {
    return new FlowKey(mapped(src), mapped(dst), sport, dport, proto, 4, kind, target, dir);
  }

  public static byte[] mapped(String ip) {
    try {
      byte[] a = new byte[16];
      a[10] = (byte) 0xff;
      a[11] = (byte) 0xff;
      System.arraycopy(InetAddress.getByName(ip).getAddress(), 0, a, 12, 4);
      return a;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public void put(FlowKey k, long bytes, long packets, long lastSeen) {
    flows.put(ByteBuffer.wrap(k.encode()), new Stats(bytes, packets, lastSeen));
  }

  public void add(FlowKey k, long bytes, long packets, long lastSeen) {
    Stats s = flows.get(ByteBuffer.wrap(k.encode()));
    put(k, (s == null ? 0 : s.bytes) + bytes, (s == null ? 0 : s.packets) + packets, lastSeen);
  }

  @Override
  public void read(BpfMap.BatchVisitor visitor) {
    ByteBuffer keys =
        ByteBuffer.allocateDirect(batch * FlowLayout.KEY_SIZE).order(ByteOrder.nativeOrder());
    ByteBuffer values =
        ByteBuffer.allocateDirect(batch * FlowLayout.STATS_SIZE).order(ByteOrder.nativeOrder());
    int n = 0;
    for (var e : flows.entrySet()) {
      keys.put(n * FlowLayout.KEY_SIZE, e.getKey().array());
      putStats(values, n * FlowLayout.STATS_SIZE, e.getValue());
      values.putInt(
          n * FlowLayout.STATS_SIZE + FlowLayout.STATS_TCP_FLAGS,
          tcpFlags.getOrDefault(e.getKey(), 0));
      long[] iat = arrivals.getOrDefault(e.getKey(), new long[3]);
      values.putLong(n * FlowLayout.STATS_SIZE + FlowLayout.STATS_IAT_COUNT, iat[0]);
      values.putLong(n * FlowLayout.STATS_SIZE + FlowLayout.STATS_IAT_SUM_NS, iat[1]);
      values.putLong(n * FlowLayout.STATS_SIZE + FlowLayout.STATS_IAT_SUM_SQ_US, iat[2]);
      if (++n == batch) {
        visitor.accept(keys, values, n);
        n = 0;
      }
    }
    if (n > 0) {
      visitor.accept(keys, values, n);
    }
  }

  @Override
  public boolean remove(byte[] key, byte[] value) {
    Stats s = flows.remove(ByteBuffer.wrap(Arrays.copyOf(key, key.length)));
    if (s == null) {
      return false;
    }
    putStats(ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()), 0, s);
    return true;
  }

  @Override
  public int capacity() {
    return 1024;
  }
}
