package io.trafficmonitor.datapath.tcp;

import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.BpfObject;
import io.trafficmonitor.bpf.BpfProgram;
import io.trafficmonitor.bpf.BpfStats;
import io.trafficmonitor.bpf.KernelBtf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * TCP health and packet drops from BTF tracepoints ({@code tcp_events.bpf.o} from the
 * trafficmonitor-bpf jar; no kprobes): retransmitted segments, srtt samples, connection opens,
 * closes and durations per cgroup v2 id of the socket; drops per (cgroup, netns, reason); a bounded
 * table of connections with their latest srtt, cwnd, retransmissions and state. {@link #open()}
 * loads and attaches everything (host-wide: every socket of every namespace); {@link #close()}
 * detaches and frees it, and is safe to call twice. Readers may run concurrently.
 *
 * <p>Connections established before the attach are not counted as opened nor closed (their
 * durations are unknown) but do appear in the table and in retransmission and srtt counts.
 */
public final class TcpHealth implements AutoCloseable {
  /**
   * Load-time bounds and settings. {@code connIntervalMicros}: tcp_probe copies a connection's
   * srtt/cwnd into the table at most once per interval (0: on every segment; a table update costs
   * more than the rest of the program); the histograms take every sample, and a close copies the
   * final values.
   */
  public record Options(
      int maxCgroups, int maxConnections, int maxDropKeys, int batchSize, int connIntervalMicros) {
    /** 4096 cgroups, 65536 connections, 4096 drop keys, batches of 1024, 1 ms. */
    public static Options defaults() {
      return new Options(4096, 65536, 4096, 1024, 1000);
    }

    public Options withMaxCgroups(int n) {
      return new Options(n, maxConnections, maxDropKeys, batchSize, connIntervalMicros);
    }

    public Options withMaxConnections(int n) {
      return new Options(maxCgroups, n, maxDropKeys, batchSize, connIntervalMicros);
    }

    public Options withMaxDropKeys(int n) {
      return new Options(maxCgroups, maxConnections, n, batchSize, connIntervalMicros);
    }

    public Options withBatchSize(int n) {
      return new Options(maxCgroups, maxConnections, maxDropKeys, n, connIntervalMicros);
    }

    public Options withConnIntervalMicros(int us) {
      return new Options(maxCgroups, maxConnections, maxDropKeys, batchSize, us);
    }
  }

  /** The programs attached by {@link #open}, in attach order. */
  public static final List<String> PROGRAMS =
      List.of(
          TcpLayout.PROG_SOCK_STATE,
          TcpLayout.PROG_PROBE,
          TcpLayout.PROG_RETRANSMIT,
          TcpLayout.PROG_RETRANSMIT_SYNACK,
          TcpLayout.PROG_KFREE_SKB);

  private final BpfObject object;
  private final BpfMap cgroups;
  private final BpfMap conns;
  private final BpfMap drops;
  private final BpfMap events;
  private final BpfMap.BatchReader cgroupReader;
  private final BpfMap.BatchReader connReader;
  private final BpfMap.BatchReader dropReader;

  private TcpHealth(BpfObject object, Options options) {
    this.object = object;
    this.cgroups = object.map(TcpLayout.MAP_CGROUPS);
    this.conns = object.map(TcpLayout.MAP_CONNS);
    this.drops = object.map(TcpLayout.MAP_DROPS);
    this.events = object.map(TcpLayout.MAP_EVENTS);
    int batch = options.batchSize();
    this.cgroupReader = cgroups.batchReader(Math.min(batch, options.maxCgroups()));
    this.connReader = conns.batchReader(Math.min(batch, options.maxConnections()));
    this.dropReader = drops.batchReader(Math.min(batch, options.maxDropKeys()));
  }

  public static TcpHealth open() {
    return open(Options.defaults());
  }

  /** Loads the programs, configured for the running kernel, and attaches all of them. */
  public static TcpHealth open(Options options) {
    BpfObject obj = BpfObject.openResource(TcpLayout.RESOURCE, "tm_tcp");
    try {
      obj.setMaxEntries(TcpLayout.MAP_CGROUPS, options.maxCgroups());
      obj.setMaxEntries(TcpLayout.MAP_CONNS, options.maxConnections());
      obj.setMaxEntries(TcpLayout.MAP_DROPS, options.maxDropKeys());
      // the tracepoints' extra arguments, when the running kernel has them
      boolean retransmitErr = KernelBtf.tracepointArgs("tcp_retransmit_skb") >= 3;
      boolean kfreeRxSk = KernelBtf.tracepointArgs("kfree_skb") >= 4;
      obj.setGlobal(TcpLayout.GLOBAL_RETRANSMIT_ERR, new byte[] {(byte) (retransmitErr ? 1 : 0)});
      obj.setGlobal(TcpLayout.GLOBAL_KFREE_RX_SK, new byte[] {(byte) (kfreeRxSk ? 1 : 0)});
      obj.setGlobal(
          TcpLayout.GLOBAL_CONN_INTERVAL_US,
          ByteBuffer.allocate(4)
              .order(ByteOrder.nativeOrder())
              .putInt(options.connIntervalMicros())
              .array());
      obj.load();
      for (String p : PROGRAMS) {
        obj.program(p).attach();
      }
      return new TcpHealth(obj, options);
    } catch (RuntimeException e) {
      obj.close();
      throw e;
    }
  }

  /** The underlying object, for programs and maps not covered here (e.g. run-time stats). */
  public BpfObject object() {
    return object;
  }

  /** Cumulative counters and histograms per cgroup v2 id (0: sockets without a cgroup). */
  public Map<Long, CgroupTcpStats> cgroups() {
    Map<Long, CgroupTcpStats> out = new HashMap<>();
    synchronized (cgroupReader) {
      cgroupReader.read(
          (keys, values, n) -> {
            for (int i = 0; i < n; i++) {
              out.put(keys.getLong(8 * i), CgroupTcpStats.decode(values, i * TcpLayout.CG_SIZE));
            }
          });
    }
    return out;
  }

  /** One cgroup's counters, or null when nothing was recorded for it. */
  public CgroupTcpStats cgroup(long cgroupId) {
    byte[] k = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(cgroupId).array();
    byte[] v = cgroups.newValue();
    if (!cgroups.lookup(k, v)) {
      return null;
    }
    return CgroupTcpStats.decode(ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()), 0);
  }

  /** The connection table: open connections and recently closed ones (state CLOSE). */
  public List<TcpConnection> connections() {
    List<TcpConnection> out = new ArrayList<>();
    synchronized (connReader) {
      connReader.read(
          (keys, values, n) -> {
            for (int i = 0; i < n; i++) {
              out.add(
                  TcpConnection.decode(
                      keys, i * TcpLayout.CONN_KEY_SIZE, values, i * TcpLayout.CONN_SIZE));
            }
          });
    }
    return out;
  }

  /**
   * Removes closed connections from the table (they also age out: the table evicts the least
   * recently updated entries when full). Returns how many were removed.
   */
  public int removeClosed() {
    List<byte[]> closed = new ArrayList<>();
    synchronized (connReader) {
      connReader.read(
          (keys, values, n) -> {
            for (int i = 0; i < n; i++) {
              if (values.get(i * TcpLayout.CONN_SIZE + TcpLayout.CONN_STATE)
                  == TcpConnection.CLOSE) {
                byte[] k = new byte[TcpLayout.CONN_KEY_SIZE];
                keys.get(i * TcpLayout.CONN_KEY_SIZE, k);
                closed.add(k);
              }
            }
          });
    }
    int removed = 0;
    for (byte[] k : closed) {
      removed += conns.delete(k) ? 1 : 0;
    }
    return removed;
  }

  /** Cumulative drop counts per (cgroup, netns, reason), reasons named from the kernel's BTF. */
  public Map<DropKey, Long> drops() {
    Map<DropKey, Long> out = new HashMap<>();
    synchronized (dropReader) {
      dropReader.read(
          (keys, values, n) -> {
            for (int i = 0; i < n; i++) {
              int o = i * TcpLayout.DROP_KEY_SIZE;
              int reason = keys.getInt(o + TcpLayout.DROP_KEY_REASON);
              DropKey k =
                  new DropKey(
                      keys.getLong(o + TcpLayout.DROP_KEY_CGROUP),
                      Integer.toUnsignedLong(keys.getInt(o + TcpLayout.DROP_KEY_NETNS)),
                      reason,
                      KernelBtf.dropReasonName(Integer.toUnsignedLong(reason)));
              out.merge(k, values.getLong(8 * i), Long::sum);
            }
          });
    }
    return out;
  }

  /** Event counts and losses, summed over CPUs. */
  public TcpCounters counters() {
    return TcpCounters.of(events.sumPerCpuCounters(TcpLayout.EV_MAX));
  }

  /** Everything that could not be recorded (full maps, no memory); see {@link #counters()}. */
  public long lost() {
    return counters().lost();
  }

  /** Run-time statistics of each attached program (see {@link BpfStats#enable()}). */
  public Map<String, BpfProgram.ProgramStats> programStats() {
    Map<String, BpfProgram.ProgramStats> out = new HashMap<>();
    for (String p : PROGRAMS) {
      out.put(p, object.program(p).stats());
    }
    return out;
  }

  @Override
  public void close() {
    object.close();
  }
}
