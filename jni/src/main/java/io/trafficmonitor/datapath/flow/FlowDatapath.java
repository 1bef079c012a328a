package io.trafficmonitor.datapath.flow;

import io.trafficmonitor.bpf.BpfException;
import io.trafficmonitor.bpf.BpfLink;
import io.trafficmonitor.bpf.BpfMap;
import io.trafficmonitor.bpf.BpfObject;
import io.trafficmonitor.bpf.BpfProgram;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.bpf.XdpLink;
import io.trafficmonitor.bpf.XdpMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The flow-accounting datapath ({@code flows.bpf.o} from the trafficmonitor-bpf jar): attach it to
 * interfaces (TC) and pod cgroups (cgroup_skb), set filters, jitter and sequence numbers at run
 * time, read flows (with their size histograms and jitter), sequence statistics and counters, evict
 * idle flows. One instance per process is enough; every target shares its maps. Reads may run
 * concurrently with attaches; {@link #close()} detaches all (but pinned links).
 *
 * <p>With {@link Options#withPinDir} the maps are pinned and outlive the process: a restarted
 * process opening the same directory takes them over ({@link #adopted()}), with every count the
 * programs added meanwhile, and switches pinned links to its programs ({@link #adoptLink}).
 */
public final class FlowDatapath implements AutoCloseable {
  /**
   * How flow values are stored. {@link #SHARED}: one value per flow, updated with atomic adds.
   * {@link #PER_CPU}: a {@code PERCPU_HASH}, one copy of the value per possible CPU updated with
   * plain adds (~15 ns less per packet on a hot cache, 8-11 ns on real traffic; memory and read
   * copies times the CPU count), folded into one value when read. {@link #AUTO}: per CPU while that
   * fits {@link #PER_CPU_BUDGET_BYTES}.
   */
  public enum ValueMode {
    AUTO,
    SHARED,
    PER_CPU
  }

  /**
   * The most memory {@link ValueMode#AUTO} gives per-CPU flow values (32 MiB): BPF map memory is
   * charged to the memory cgroup of the process that creates the map, the agent container.
   */
  public static final long PER_CPU_BUDGET_BYTES = 32L << 20;

  /** Load-time options. */
  public record Options(
      int maxFlows,
      boolean histograms,
      boolean preciseTimestamps,
      TcMode tcMode,
      int batchSize,
      ValueMode valueMode,
      Path pinDir) {
    /**
     * 65536 flows, histograms on, coarse timestamps (one tick), tcx else clsact, 4096, values per
     * CPU where they fit the budget, nothing pinned.
     */
    public static Options defaults() {
      return new Options(65536, true, false, TcMode.AUTO, 4096, ValueMode.AUTO, null);
    }

    public Options withMaxFlows(int n) {
      return new Options(n, histograms, preciseTimestamps, tcMode, batchSize, valueMode, pinDir);
    }

    public Options withHistograms(boolean on) {
      return new Options(maxFlows, on, preciseTimestamps, tcMode, batchSize, valueMode, pinDir);
    }

    /** Nanosecond flow timestamps instead of tick-resolution ones (~18 ns more per packet). */
    public Options withPreciseTimestamps(boolean on) {
      return new Options(maxFlows, histograms, on, tcMode, batchSize, valueMode, pinDir);
    }

    public Options withTcMode(TcMode mode) {
      return new Options(
          maxFlows, histograms, preciseTimestamps, mode, batchSize, valueMode, pinDir);
    }

    public Options withBatchSize(int n) {
      return new Options(maxFlows, histograms, preciseTimestamps, tcMode, n, valueMode, pinDir);
    }

    public Options withValueMode(ValueMode mode) {
      return new Options(maxFlows, histograms, preciseTimestamps, tcMode, batchSize, mode, pinDir);
    }

    /**
     * Pins the maps under {@code dir} (on bpffs, e.g. {@code /sys/fs/bpf/trafficmonitor}) as {@code
     * <dir>/maps/<map>}, and takes over the maps pinned there by an earlier process when all are
     * there and fit these options: see {@link FlowDatapath#adopted()}.
     */
    public Options withPinDir(Path dir) {
      return new Options(
          maxFlows, histograms, preciseTimestamps, tcMode, batchSize, valueMode, dir);
    }

    /** Whether flow values are per CPU on a machine with {@code cpus} possible CPUs. */
    public boolean perCpu(int cpus) {
      return switch (valueMode) {
        case SHARED -> false;
        case PER_CPU -> true;
        case AUTO -> (long) cpus * maxFlows * FlowLayout.VALUE_SIZE <= PER_CPU_BUDGET_BYTES;
      };
    }
  }

  /** Receives flows one at a time. */
  @FunctionalInterface
  public interface FlowConsumer {
    void accept(FlowKey key, FlowStats stats);
  }

  private final BpfObject object;
  private final Options options;
  private final BpfMap flows;
  private final BpfMap sequences;
  private final BpfMap jitter;
  private final BpfMap settings;
  private final BpfMap counters;
  private final BpfMap filterRules;
  private final BpfMap filterState;
  private final BpfMap.BatchReader reader;
  private final BpfMap.BatchReader sequenceReader;
  private final BpfMap.BatchReader jitterReader;
  private final FlowFolder folder;
  private final FlowPins.Adoption adoption;
  private boolean jitterUsed;
  private int activeSet;

  private FlowDatapath(BpfObject object, Options options, FlowPins.Adoption adoption) {
    this.object = object;
    this.options = options;
    this.adoption = adoption;
    this.flows = object.map(FlowLayout.MAP_FLOWS);
    this.sequences = object.map(FlowLayout.MAP_SEQUENCES);
    this.jitter = object.map(FlowLayout.MAP_JITTER);
    this.settings = object.map(FlowLayout.MAP_SETTINGS);
    this.counters = object.map(FlowLayout.MAP_COUNTERS);
    this.filterRules = object.map(FlowLayout.MAP_FILTER_RULES);
    this.filterState = object.map(FlowLayout.MAP_FILTER_STATE);
    this.reader = flows.batchReader(options.batchSize());
    this.sequenceReader = sequences.batchReader(Math.min(options.batchSize(), 1024));
    this.jitterReader = jitter.batchReader(Math.min(options.batchSize(), 1024));
    this.folder = new FlowFolder(flows.cpus(), options.batchSize());
    if (adoption.adopted()) {
      byte[] state = new byte[4];
      filterState.lookup(u32(0), state);
      activeSet =
          (ByteBuffer.wrap(state).order(ByteOrder.nativeOrder()).getInt()
                  >>> FlowLayout.FILTER_SET_BIT)
              & 1;
      jitterUsed = true; // the jitter map may hold entries of the earlier process
    }
  }

  public static FlowDatapath open() {
    return open(Options.defaults());
  }

  /**
   * Loads the programs (nothing attached yet). With a pin directory: takes over the maps pinned
   * there when all are there and fit the options, else creates and pins new ones (replacing pins
   * that do not fit, see {@link #adoptionProblem()}). Throws {@link
   * io.trafficmonitor.bpf.BpfException} when the directory holds something else than maps where the
   * maps go, or is not on bpffs.
   */
  public static FlowDatapath open(Options options) {
    BpfObject obj = BpfObject.openResource(FlowLayout.RESOURCE, "tm_flows");
    try {
      obj.setMaxEntries(FlowLayout.MAP_FLOWS, options.maxFlows());
      if (!XdpMode.supported()) { // before 5.18: TC only, the rest loads as before
        obj.setAutoload(FlowLayout.PROG_XDP_INGRESS, false);
      }
      boolean perCpu = options.perCpu(BpfMap.possibleCpus());
      if (perCpu) {
        obj.setMapType(FlowLayout.MAP_FLOWS, BpfMap.TYPE_PERCPU_HASH);
      }
      obj.setGlobal(FlowLayout.GLOBAL_PERCPU_FLOWS, new byte[] {(byte) (perCpu ? 1 : 0)});
      obj.setMaxEntries(FlowLayout.MAP_SEQUENCES, Math.max(1024, options.maxFlows() / 4));
      obj.setMaxEntries(FlowLayout.MAP_JITTER, Math.max(1024, options.maxFlows() / 4));
      obj.setGlobal(
          FlowLayout.GLOBAL_HISTOGRAMS, new byte[] {(byte) (options.histograms() ? 1 : 0)});
      obj.setGlobal(
          FlowLayout.GLOBAL_PRECISE_TIMESTAMPS,
          new byte[] {(byte) (options.preciseTimestamps() ? 1 : 0)});
      FlowPins.Adoption adoption =
          options.pinDir() == null
              ? new FlowPins.Adoption(false, null)
              : FlowPins.adopt(obj, options.pinDir());
      obj.load();
      if (options.pinDir() != null && !adoption.adopted()) {
        FlowPins.pinFresh(obj, options.pinDir());
      }
      return new FlowDatapath(obj, options, adoption);
    } catch (RuntimeException e) {
      obj.close();
      throw e;
    }
  }

  /** The underlying object, for programs and maps not covered here. */
  public BpfObject object() {
    return object;
  }

  /** The program for a kind of hook and direction, e.g. to {@link BpfLink#update} a link. */
  public BpfProgram program(TargetKind kind, Direction direction) {
    boolean in = direction == Direction.INGRESS;
    return object.program(
        switch (kind) {
          case TC -> in ? FlowLayout.PROG_TC_INGRESS : FlowLayout.PROG_TC_EGRESS;
          case CGROUP -> in ? FlowLayout.PROG_CG_INGRESS : FlowLayout.PROG_CG_EGRESS;
        });
  }

  /** Attaches TC accounting to an interface of the calling thread's network namespace. */
  public BpfLink attachInterface(int ifindex, Direction direction) {
    return program(TargetKind.TC, direction).attachTc(ifindex, direction, options.tcMode());
  }

  /** The XDP program: an interface's ingress, counted as {@link #attachInterface} counts it. */
  public BpfProgram xdpProgram() {
    return object.program(FlowLayout.PROG_XDP_INGRESS);
  }

  /**
   * Attaches ingress accounting to an interface of the calling thread's network namespace at the
   * driver (XDP), in place of the TC ingress program: the same flows (kind TC, the ifindex,
   * ingress), the same bytes and packets, and never a verdict. {@link XdpMode#AUTO}: native where
   * the driver supports XDP, else generic; the result says which. Egress stays on TC. Throws {@link
   * BpfException} ({@code EBUSY}) when the interface has another XDP program: it is not replaced.
   */
  public XdpLink attachInterfaceXdp(int ifindex, XdpMode mode) {
    if (!XdpMode.supported()) {
      throw new BpfException(
          "attach xdp ifindex " + ifindex, 95, "XDP accounting needs Linux 5.18 or later");
    }
    return xdpProgram().attachXdp(ifindex, mode);
  }

  /**
   * Takes over an XDP link pinned by an earlier process: checks it is one, switches it to this
   * datapath's XDP program ({@link BpfLink#update}) and says which mode it runs in (asked in the
   * calling thread's network namespace). Ownership as {@link #adoptLink}.
   */
  public XdpLink adoptXdpLink(Path pin) {
    BpfLink link = BpfLink.openPinned(pin, BpfLink.Kind.LINK, "xdp " + pin);
    try {
      BpfLink.Info info = link.info();
      if (info.type() != BpfLink.Info.TYPE_XDP) {
        throw new BpfException(
            "adopt link", 22, pin + " is not an XDP link: link type " + info.type());
      }
      link.update(xdpProgram());
      XdpMode.Attached now = XdpMode.onInterface((int) info.target());
      return new XdpLink(link, "native".equals(now.mode()) ? XdpMode.NATIVE : XdpMode.GENERIC);
    } catch (RuntimeException e) {
      link.close(); // the pin keeps it attached
      throw e;
    }
  }

  /** Attaches cgroup_skb accounting to a cgroup v2 directory (flows carry the socket's cgroup). */
  public BpfLink attachCgroup(Path cgroupDir, Direction direction) {
    return program(TargetKind.CGROUP, direction).attachCgroup(cgroupDir);
  }

  /**
   * Takes over a link pinned by an earlier process (a tcx link for {@link TargetKind#TC}, a cgroup
   * link for {@link TargetKind#CGROUP}): checks it is one of that kind and direction, then
   * atomically switches it to this datapath's program ({@link BpfLink#update}). The link stays
   * pinned and now belongs to this datapath: {@link #close()} closes it without detaching; {@link
   * BpfLink#unpin()} and {@link BpfLink#close()} detach it.
   */
  public BpfLink adoptLink(Path pin, TargetKind kind, Direction direction) {
    BpfLink link =
        BpfLink.openPinned(
            pin,
            kind == TargetKind.TC ? BpfLink.Kind.TCX : BpfLink.Kind.LINK,
            kind.name().toLowerCase(Locale.ROOT)
                + " "
                + direction.name().toLowerCase(Locale.ROOT)
                + " "
                + pin);
    try {
      BpfLink.Info info = link.info();
      int type = kind == TargetKind.TC ? BpfLink.Info.TYPE_TCX : BpfLink.Info.TYPE_CGROUP;
      if (info.type() != type || info.direction() != direction) {
        throw new BpfException(
            "adopt link",
            22, // EINVAL
            pin
                + " is not a "
                + kind
                + " "
                + direction
                + " link: link type "
                + info.type()
                + ", attach type "
                + info.attachType());
      }
      link.update(program(kind, direction));
      return link;
    } catch (RuntimeException e) {
      link.close(); // the pin keeps it attached
      throw e;
    }
  }

  /** The pin directory of {@link Options#withPinDir}; null when nothing is pinned. */
  public Path pinDir() {
    return options.pinDir();
  }

  /**
   * Whether the maps are those an earlier process pinned under {@link #pinDir()}, with every count
   * they hold (flows, sequence and jitter state, counters, filters, settings): counters continue,
   * they do not restart at zero.
   */
  public boolean adopted() {
    return adoption.adopted();
  }

  /**
   * Why pinned maps were found but not taken over (some missing, or of another shape, e.g. another
   * maxFlows or value mode: the message names each map and what differs); the maps are new and
   * pinned in their place. Null when they were taken over, or nothing was pinned.
   */
  public String adoptionProblem() {
    return adoption.problem();
  }

  /**
   * Removes the map pins under {@code dir} ({@code <dir>/maps/}), e.g. when the agent leaves for
   * good: the maps then go with the last datapath or attached program using them. Links pinned
   * under {@code <dir>/links/} are the caller's to remove.
   */
  public static void removePins(Path dir) {
    FlowPins.unpin(dir);
  }

  /**
   * Replaces the filter set, atomically for the programs (the rules go into the inactive half, then
   * one word flips). An empty list accounts everything.
   */
  public synchronized void setFilters(List<FilterRule> rules) {
    List<byte[]> encoded = FilterEncoder.encode(rules);
    int next = activeSet ^ 1;
    for (int i = 0; i < encoded.size(); i++) {
      filterRules.update(u32(next * FlowLayout.MAX_RULES + i), encoded.get(i), BpfMap.ANY);
    }
    int state = (next << FlowLayout.FILTER_SET_BIT) | encoded.size();
    filterState.update(u32(0), u32(state), BpfMap.ANY);
    activeSet = next;
  }

  /** Reads every flow; returns how many. */
  public synchronized long readFlows(FlowConsumer consumer) {
    return readFlowsRaw(
        (keys, values, n) -> {
          for (int i = 0; i < n; i++) {
            consumer.accept(
                FlowKey.decode(keys, i * FlowLayout.KEY_SIZE),
                FlowStats.decode(values, i * FlowLayout.STATS_SIZE));
          }
        });
  }

  /**
   * Reads every flow as raw batches (no allocation per flow); layouts in {@link FlowLayout}, one
   * {@code STATS_SIZE} value per flow (per-CPU values already folded).
   */
  public synchronized long readFlowsRaw(BpfMap.BatchVisitor visitor) {
    return reader.read(folder.folding(visitor, readJitter()));
  }

  /** Inter-arrival figures per flow key, read in one pass before the flows (none if never on). */
  private Map<ByteBuffer, long[]> readJitter() {
    if (!jitterUsed) {
      return Map.of();
    }
    Map<ByteBuffer, long[]> out = new HashMap<>();
    jitterReader.read(
        (keys, values, n) -> {
          for (int i = 0; i < n; i++) {
            byte[] k = new byte[FlowLayout.KEY_SIZE];
            keys.get(i * FlowLayout.KEY_SIZE, k);
            int v = i * FlowLayout.JITTER_SIZE + FlowLayout.JITTER_IAT_COUNT;
            out.put(
                ByteBuffer.wrap(k),
                new long[] {values.getLong(v), values.getLong(v + 8), values.getLong(v + 16)});
          }
        });
    return out;
  }

  /** Whether flow values are kept per CPU (see {@link ValueMode}). */
  public boolean perCpuValues() {
    return flows.type() == BpfMap.TYPE_PERCPU_HASH;
  }

  /**
   * Atomically reads and removes one flow; false when it was gone. {@code value} ({@code
   * STATS_SIZE} bytes) receives its final stats.
   */
  public synchronized boolean removeFlow(byte[] key, byte[] value) {
    return folder.lookupAndDelete(flows, jitter, key, value);
  }

  /**
   * Removes flows idle for longer than {@code idle}, handing each one's final counters to {@code
   * evicted} (read and removed atomically, so no packet is lost between the two). Returns how many
   * were removed.
   */
  public synchronized int evictIdle(Duration idle, FlowConsumer evicted) {
    return evictIdle(idle, evicted, (k, v) -> {});
  }

  /**
   * As {@link #evictIdle(Duration, FlowConsumer)}, and removes the evicted flows' sequence state
   * too, handing its final figures to {@code evictedSequences}.
   */
  public synchronized int evictIdle(
      Duration idle, FlowConsumer evicted, SequenceConsumer evictedSequences) {
    long cutoff = System.nanoTime() - idle.toNanos();
    List<byte[]> idleKeys = new ArrayList<>();
    reader.read( // only last-seen is needed here: no jitter join
        folder.folding(
            (keys, values, n) -> {
              for (int i = 0; i < n; i++) {
                long last = values.getLong(i * FlowLayout.STATS_SIZE + FlowLayout.STATS_LAST_SEEN);
                if (last - cutoff < 0) {
                  byte[] k = new byte[FlowLayout.KEY_SIZE];
                  keys.get(i * FlowLayout.KEY_SIZE, k);
                  idleKeys.add(k);
                }
              }
            },
            Map.of()));
    int removed = 0;
    byte[] value = new byte[FlowLayout.STATS_SIZE];
    byte[] seq = sequences.newValue();
    for (byte[] k : idleKeys) {
      if (removeFlow(k, value)) {
        removed++;
        ByteBuffer kb = ByteBuffer.wrap(k).order(ByteOrder.nativeOrder());
        ByteBuffer vb = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        FlowKey key = FlowKey.decode(kb, 0);
        evicted.accept(key, FlowStats.decode(vb, 0));
        if (removeSequence(k, seq)) {
          ByteBuffer sb = ByteBuffer.wrap(seq).order(ByteOrder.nativeOrder());
          evictedSequences.accept(key, SequenceStats.decode(sb, 0));
        }
      }
    }
    return removed;
  }

  /**
   * The packet-size histogram of a target and direction: the sum over its flows in the map now
   * (evicted flows are gone from it; a collector keeps their share itself).
   */
  public SizeHistogram histogram(TargetKind kind, long target, Direction direction) {
    SizeHistogram[] sum = {SizeHistogram.empty()};
    readFlows(
        (k, v) -> {
          if (k.kind() == kind && k.target() == target && k.direction() == direction) {
            sum[0] = sum[0].plus(v.sizes());
          }
        });
    return sum[0];
  }

  /**
   * Measures inter-arrival times per flow (mean and jitter; the precise clock on every packet) and,
   * when {@code sequence} is not null, sequence-number loss. Takes effect at once, no reload;
   * sequence state already gathered is kept.
   */
  public synchronized void configure(boolean jitter, SequenceConfig sequence) {
    settings.update(u32(0), encodeSettings(jitter, sequence), BpfMap.ANY);
    jitterUsed |= jitter;
  }

  /** The settings map's value (struct tm_settings) for {@link #configure}. */
  static byte[] encodeSettings(boolean jitter, SequenceConfig sequence) {
    ByteBuffer b = ByteBuffer.allocate(FlowLayout.SETTINGS_SIZE).order(ByteOrder.nativeOrder());
    int flags = jitter ? FlowLayout.SET_JITTER : 0;
    if (sequence != null) {
      flags |= FlowLayout.SET_SEQUENCE;
      if (sequence.pattern() != null) {
        flags |= FlowLayout.SET_SEQ_PATTERN;
        b.put(FlowLayout.SETTINGS_SEQ_PATTERN, sequence.pattern());
      }
      b.put(FlowLayout.SETTINGS_SEQ_PROTO, (byte) sequence.protocol());
      b.put(FlowLayout.SETTINGS_SEQ_WINDOW, (byte) sequence.window());
      b.putShort(FlowLayout.SETTINGS_SEQ_OFFSET, (short) sequence.offset());
      b.putInt(FlowLayout.SETTINGS_SEQ_GAP_THRESHOLD, sequence.gapThreshold());
    }
    b.putInt(FlowLayout.SETTINGS_FLAGS, flags);
    return b.array();
  }

  /** Receives the sequence statistics of one flow. */
  @FunctionalInterface
  public interface SequenceConsumer {
    void accept(FlowKey key, SequenceStats stats);
  }

  /**
   * Reads the sequence statistics of every flow that carried sequence numbers; returns how many.
   */
  public synchronized long readSequences(SequenceConsumer consumer) {
    return readSequencesRaw(
        (keys, values, n) -> {
          for (int i = 0; i < n; i++) {
            consumer.accept(
                FlowKey.decode(keys, i * FlowLayout.KEY_SIZE),
                SequenceStats.decode(values, i * FlowLayout.SEQ_SIZE));
          }
        });
  }

  /** Reads the sequence state of every flow as raw batches ({@code FlowLayout.SEQ_*} layout). */
  public synchronized long readSequencesRaw(BpfMap.BatchVisitor visitor) {
    return sequenceReader.read(visitor);
  }

  /**
   * Atomically reads and removes one flow's sequence state ({@code SEQ_SIZE} bytes into {@code
   * value}); false when there was none.
   */
  public synchronized boolean removeSequence(byte[] key, byte[] value) {
    return sequences.lookupAndDelete(key, value);
  }

  /** The global counters, summed over CPUs. */
  public DatapathCounters counters() {
    return DatapathCounters.of(counters.sumPerCpuCounters(FlowLayout.C_MAX));
  }

  /** Flow map capacity (max_entries). */
  public int maxFlows() {
    return flows.maxEntries();
  }

  @Override
  public void close() {
    object.close();
  }

  private static byte[] u32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
  }
}
