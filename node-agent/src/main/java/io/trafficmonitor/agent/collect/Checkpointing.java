package io.trafficmonitor.agent.collect;

import io.trafficmonitor.datapath.flow.FlowDatapath;
import io.trafficmonitor.datapath.flow.FlowLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * When the agent writes its {@link Checkpoint} (flows left the kernel, or every few seconds, and at
 * shutdown), and how it continues from the previous agent's: the collector takes the baselines when
 * the pinned flow map is adopted, each monitor's view its figures when the monitor is served.
 * Without a pin directory and a state directory it does nothing.
 *
 * <p>Threads: {@link #due} from any; {@link #adopt}, {@link #restore} and {@link #restored} from
 * the reconcile (under the agent's lock); {@link #write} from the collection, or at shutdown once
 * the loops stopped.
 */
public final class Checkpointing {
  private static final Logger LOG = Logger.getLogger(Checkpointing.class);
  private static final long EVERY_NANOS = Duration.ofSeconds(5).toNanos();

  private final Collector collector;

  /** Where the checkpoint is kept, or null: no checkpoint. */
  private final Path dir;

  /** Checkpointed figures of monitors not served yet since this agent adopted the kernel state. */
  private Map<String, byte[]> pending = Map.of();

  private volatile boolean due;
  private long last;

  /** {@code dir}: the state directory when flow maps are pinned, else null (no checkpoint). */
  public Checkpointing(Collector collector, Path dir) {
    this.collector = collector;
    this.dir = dir;
  }

  /** The next {@link #write} writes, whatever the time since the last one. */
  public void due() {
    due = true;
  }

  /**
   * After loading the flow programs: when they adopted a previous agent's pinned flow map,
   * continues from its checkpoint (the collector takes its baselines now); else removes it.
   */
  public void adopt(FlowDatapath datapath) {
    if (dir == null) {
      return;
    }
    try {
      if (!datapath.adopted()) {
        if (datapath.adoptionProblem() != null) {
          LOG.warnf("the previous agent's flow maps not adopted: %s", datapath.adoptionProblem());
        }
        Checkpoint.delete(dir);
        return;
      }
      Checkpoint.Read read = Checkpoint.read(dir, flowMapId(datapath), collector);
      if (read == null) {
        LOG.warn("adopted the previous agent's flow maps without a checkpoint of them");
        return;
      }
      pending = new HashMap<>(read.views());
      LOG.infof(
          "adopted the previous agent's flow maps and checkpoint (%d flows, %d monitors)",
          collector.trackedFlows(), pending.size());
    } catch (IOException | RuntimeException e) {
      LOG.warnf("checkpoint in %s not used: %s", dir, e.getMessage());
    }
  }

  /** Whether figures of the previous agent wait for their monitors. */
  public boolean restoring() {
    return !pending.isEmpty();
  }

  /** A served monitor (by uid) continues from the checkpoint of the previous agent, once. */
  public void restore(String uid, String name, MonitorView view) {
    byte[] data = pending.remove(uid);
    if (data == null) {
      return;
    }
    try {
      Checkpoint.restore(view, data);
    } catch (IOException | RuntimeException e) {
      LOG.warnf("checkpoint of %s not used: %s", name, e.getMessage());
    }
  }

  /** Monitors gone while no agent ran: their figures go with them. */
  public void restored() {
    pending = Map.of();
  }

  /**
   * Writes the checkpoint of the collector and the views (by monitor uid, asked only then) when
   * due, or with {@code force}; {@code datapath} holds the flow map they belong to.
   */
  public void write(
      long now, boolean force, FlowDatapath datapath, Supplier<Map<String, MonitorView>> views) {
    if (dir == null) {
      return;
    }
    if (!force && !due && now - last < EVERY_NANOS) {
      return;
    }
    due = false;
    last = now;
    try {
      Checkpoint.write(dir, flowMapId(datapath), collector, views.get());
    } catch (IOException | RuntimeException e) {
      LOG.warnf("checkpoint not written: %s", e.getMessage());
    }
  }

  /** The id of the kernel flow map: what a checkpoint belongs to. */
  private static int flowMapId(FlowDatapath datapath) {
    return datapath.object().map(FlowLayout.MAP_FLOWS).id();
  }

  /** Removes the checkpoint (an uninstall: no agent will continue). */
  public void delete() {
    if (dir == null) {
      return;
    }
    try {
      Checkpoint.delete(dir);
    } catch (IOException e) {
      LOG.warnf("checkpoint not removed: %s", e.getMessage());
    }
  }
}
