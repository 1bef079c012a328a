package io.trafficmonitor.agent;

import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.FlowKey;
import io.trafficmonitor.bpf.FlowLayout;
import io.trafficmonitor.bpf.TargetKind;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** An in-memory flow map in the kernel's layouts. */
final class FakeFlows implements FlowSource {
  record Stats(long bytes, long packets, long lastSeen) {}

  final Map<ByteBuffer, Stats> flows = new LinkedHashMap<>();
  int batch = 3;

  static FlowKey key(
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

  static byte[] mapped(String ip) {
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

  void put(FlowKey k, long bytes, long packets, long lastSeen) {
    flows.put(ByteBuffer.wrap(k.encode()), new Stats(bytes, packets, lastSeen));
  }

  void add(FlowKey k, long bytes, long packets, long lastSeen) {
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
      int vo = n * FlowLayout.STATS_SIZE;
      values.putLong(vo + FlowLayout.STATS_BYTES, e.getValue().bytes);
      values.putLong(vo + FlowLayout.STATS_PACKETS, e.getValue().packets);
      values.putLong(vo + FlowLayout.STATS_LAST_SEEN, e.getValue().lastSeen);
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
    ByteBuffer v = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
    v.putLong(FlowLayout.STATS_BYTES, s.bytes);
    v.putLong(FlowLayout.STATS_PACKETS, s.packets);
    v.putLong(FlowLayout.STATS_LAST_SEEN, s.lastSeen);
    return true;
  }

  @Override
  public int capacity() {
    return 1024;
  }
}
