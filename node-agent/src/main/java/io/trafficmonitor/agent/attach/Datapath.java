package io.trafficmonitor.agent.attach;

import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.FlowSource;
import io.trafficmonitor.agent.collect.Routing;
import io.trafficmonitor.agent.spec.MonitorSettings;
import io.trafficmonitor.agent.target.Attachment;
import io.trafficmonitor.datapath.flow.FilterRule;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import io.trafficmonitor.datapath.flow.SequenceConfig;
import io.trafficmonitor.datapath.tcp.TcpHealth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The programs of this node and where they are attached: the flow programs and maps ({@link
 * FlowDatapath}), loaded once and replaced by larger ones when a monitor asks for more flows; the
 * {@link Attacher} that keeps their attachments equal to the plan; the TCP health tracepoints
 * ({@link TcpHealth}); and what the kernel has only one of per node, whatever the monitors: the
 * filters, jitter and sequence numbers.
 *
 * <p>Not thread-safe: the agent calls it under its own lock (reconcile, close, and the TCP figures
 * of a collection). The flow datapath and its {@link FlowSource} are volatile and switched under
 * the collector's lock ({@link #ensureOpen}: a resize), so that a collection reads them without the
 * agent's lock. Lock order: the agent's, then the collector's.
 */
public final class Datapath {
  private static final Logger LOG = Logger.getLogger(Datapath.class);

  /** What {@link #ensureOpen} did. */
  public enum Opened {
    /** The flow programs did not load: nothing can be attached (the reason is in the errors). */
    NOT_LOADED,
    /** The flow programs were loaded now (adopting a previous agent's pinned maps, maybe). */
    LOADED,
    /** The flow map was replaced by a larger one: the collector started afresh on it. */
    RESIZED,
    /** Already loaded and large enough (or a resize failed: the errors say so). */
    OPEN
  }

  /** Jitter and sequence numbers as the kernel measures them: one setting per node. */
  private record Quality(boolean jitter, SequenceConfig sequence) {}

  private final Collector collector;
  private final Optional<Path> nodeNetns;
  private final Path hostProc;
  private final Optional<Path> pinDir;
  private KernelCheck kernel;
  private volatile FlowDatapath flows;
  private volatile FlowSource source;
  private Attacher attacher;
  private volatile TcpHealth tcpHealth;
  private volatile String tcpHealthError;
  private long nodeNetnsInode;
  private List<FilterRule> filters;
  private Quality quality;

  /**
   * The node's datapath, not loaded yet. {@code collector}: the one a resize reads the old map into
   * a last time; {@code pinDir}: where maps and links are pinned for the next agent, or empty.
   */
  public Datapath(
      Collector collector, Optional<Path> nodeNetns, Path hostProc, Optional<Path> pinDir) {
    this.collector = collector;
    this.nodeNetns = nodeNetns;
    this.hostProc = hostProc;
    this.pinDir = pinDir;
  }

  /**
   * Loads the flow programs once, or replaces them by larger ones when {@code maxTracked} outgrows
   * the flow map (reading the old map a last time under {@code routing}); the reason of a failure
   * goes into errs.
   */
  public Opened ensureOpen(KernelCheck kernel, int maxTracked, Routing routing, List<String> errs) {
    this.kernel = kernel;
    if (flows != null) {
      if (flows.maxFlows() < maxTracked && resize(maxTracked, routing, errs)) {
        return Opened.RESIZED;
      }
      return Opened.OPEN;
    }
    try {
      StaleFilters.clean(nodeNetns, hostProc);
    } catch (RuntimeException e) {
      LOG.warnf("cannot look for filters left by a previous agent: %s", e.getMessage());
    }
    try {
      flows = FlowDatapath.open(options(maxTracked));
    } catch (RuntimeException e) {
      LOG.errorf("flow programs not loaded (retrying): %s", e.getMessage());
      errs.add("flow programs not loaded: " + e.getMessage());
      return Opened.NOT_LOADED;
    }
    source = FlowSource.of(flows);
    attacher = new Attacher(flows, nodeNetns, pinDir);
    LOG.infof(
        "flow programs loaded (%d flows, TC mode %s, %s flow values)",
        maxTracked, kernel.tcMode(), flows.perCpuValues() ? "per-CPU" : "shared");
    return Opened.LOADED;
  }

  private FlowDatapath.Options options(int maxTracked) {
    FlowDatapath.Options options =
        FlowDatapath.Options.defaults()
            .withMaxFlows(maxTracked)
            .withTcMode(kernel.tcMode())
            .withValueMode(kernel.valueMode());
    return pinDir.isPresent() ? options.withPinDir(pinDir.get()) : options;
  }

  /**
   * A monitor asks for a larger flow map than the node's: new programs with new maps are loaded,
   * every attachment is switched to them ({@code BPF_LINK_UPDATE}; clsact filters are attached
   * again), then the old map is read a last time and the collector starts afresh on the new one, so
   * the switch loses and repeats nothing (but what clsact hooks see during their re-attach). False,
   * with the reason in errs, when the new programs do not load.
   */
  private boolean resize(int maxTracked, Routing routing, List<String> errs) {
    FlowDatapath old = flows;
    FlowSource oldSource = source;
    FlowDatapath next;
    try {
      next = FlowDatapath.open(options(maxTracked));
    } catch (RuntimeException e) {
      errs.add(
          "flows.maxTracked "
              + maxTracked
              + " not applied (the flow map holds "
              + old.maxFlows()
              + "): "
              + e.getMessage());
      return false;
    }
    Map<Attachment, String> failed = attacher.switchTo(next);
    failed.forEach((k, m) -> LOG.warnf("%s not switched to the larger flow map: %s", k, m));
    try {
      Thread.sleep(50); // programs started on the old map before the switch finish meanwhile
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (collector) {
      collector.collect(oldSource, routing, System.nanoTime(), Long.MAX_VALUE);
      collector.reset();
      flows = next;
      source = FlowSource.of(next);
    }
    filters = null; // set again on the new programs' maps by the next apply
    quality = null;
    old.close();
    LOG.infof("flow map resized from %d to %d flows", old.maxFlows(), next.maxFlows());
    return true;
  }

  /** The flow programs and maps, or null when not loaded (or closed). */
  public FlowDatapath flows() {
    return flows;
  }

  /** The flow map as the collector reads it, or null when not loaded (or closed). */
  public FlowSource source() {
    return source;
  }

  /**
   * Attaches the TCP health and drop tracepoints once, when the kernel has them. Without them (a
   * kernel without BTF tracepoints, say) the flow figures still work; the reason goes into {@link
   * #tcpHealthError}, and no new attempt is made.
   */
  public void ensureTcpHealth() {
    if (!kernel.tcpHealth() || tcpHealth != null || tcpHealthError != null) {
      return;
    }
    try {
      Path ns = nodeNetns.orElse(Path.of("/proc/self/ns/net"));
      nodeNetnsInode = ((Number) Files.getAttribute(ns, "unix:ino")).longValue();
      tcpHealth = TcpHealth.open();
      tcpHealthError = null;
      LOG.info("TCP health tracepoints attached");
    } catch (RuntimeException | IOException e) {
      tcpHealthError = "TCP health and drops not measured: " + e.getMessage();
      LOG.warn(tcpHealthError);
    }
  }

  /** The TCP health tracepoints, or null when not attached. */
  public TcpHealth tcpHealth() {
    return tcpHealth;
  }

  /** Why TCP health is not measured, or null. */
  public String tcpHealthError() {
    return tcpHealthError;
  }

  /** The inode of the node's network namespace: where the node's own drops happen. */
  public long nodeNetnsInode() {
    return nodeNetnsInode;
  }

  /** Detaches the TCP health tracepoints (they are attached again by {@link #ensureTcpHealth}). */
  public void closeTcpHealth() {
    if (tcpHealth != null) {
      tcpHealth.close();
      tcpHealth = null;
    }
  }

  /**
   * Sets what the kernel has one of for all the monitors, {@code monitors} by key, oldest first:
   * the filters and the quality measurements; returns the monitors' errors, by key.
   */
  public Map<String, String> apply(Map<String, MonitorSettings> monitors) {
    applyFilters(monitors.values());
    return applyQuality(monitors);
  }

  /**
   * Jitter and sequence numbers, changed in the kernel without a reload. Jitter is measured when
   * any monitor asks (the others do not show it); the kernel follows one sequence setting, the
   * oldest monitor's, and a monitor asking for another one is told so in its status.
   */
  private Map<String, String> applyQuality(Map<String, MonitorSettings> monitors) {
    Map<String, String> errs = new LinkedHashMap<>();
    boolean jitter = monitors.values().stream().anyMatch(MonitorSettings::jitter);
    SequenceConfig sequence = null;
    String owner = null;
    for (Map.Entry<String, MonitorSettings> m : monitors.entrySet()) {
      SequenceConfig q = m.getValue().sequence();
      if (q == null) {
        continue;
      }
      if (sequence == null) {
        sequence = q;
        owner = m.getKey();
      } else if (!sequence.equals(q)) {
        errs.put(
            m.getKey(),
            "sequence: not measured on this node: the kernel follows one spec.sequence per"
                + " node, and TrafficMonitor "
                + owner
                + " (older) asks for another one");
      }
    }
    Quality wanted = new Quality(jitter, sequence);
    if (wanted.equals(quality)) {
      return errs;
    }
    flows.configure(jitter, sequence);
    quality = wanted;
    LOG.infof("jitter %s, sequence numbers %s", jitter ? "on" : "off", sequence);
    return errs;
  }

  /**
   * The kernel keeps only flows that some monitor may count: the union of the monitors' rules, or
   * everything when a monitor has none or the union does not fit. Each monitor applies its own
   * rules to the flows it is handed, so its figures are exact either way.
   */
  private void applyFilters(Iterable<MonitorSettings> monitors) {
    List<FilterRule> union = new ArrayList<>();
    for (MonitorSettings s : monitors) {
      if (s.filters().isEmpty()) {
        union = List.of();
        break;
      }
      union.addAll(s.filters());
    }
    union = List.copyOf(new LinkedHashSet<>(union));
    if (union.equals(filters)) {
      return;
    }
    try {
      flows.setFilters(union);
      filters = union;
      LOG.infof("kernel filters set: %d rule(s)", union.size());
    } catch (RuntimeException e) {
      LOG.infof("kernel filters not set (%s): every flow is kept", e.getMessage());
      flows.setFilters(List.of());
      filters = union;
    }
  }

  /** Makes the attachments equal to {@code desired}; returns the failures, by attachment. */
  public Map<Attachment, String> attach(Set<Attachment> desired) {
    return attacher.reconcile(desired);
  }

  /** What counts the ingress of each interface attached by XDP (by ifindex): see Attacher. */
  public Map<Integer, String> ingressHooks() {
    return attacher == null ? Map.of() : attacher.ingressHooks();
  }

  /**
   * No monitor selects this node any more: nothing stays attached (and, before any program was
   * loaded, a previous agent's pinned links and maps for monitors now gone are removed). True when
   * something was detached: its flows are to be forgotten.
   */
  public boolean detachAll() {
    if (attacher != null && attacher.attached() > 0) {
      attacher.reconcile(Set.of());
      return true;
    }
    if (attacher == null) {
      removePins(); // a previous agent's, for monitors now gone: nothing will adopt them
    }
    return false;
  }

  /**
   * Removes everything pinned under the pin directory, by this agent or a previous one: the links
   * first (which detaches their programs), then the maps (which go with their last user).
   */
  private void removePins() {
    pinDir.ifPresent(
        dir -> {
          Attacher.removePins(dir);
          FlowDatapath.removePins(dir);
        });
  }

  /**
   * Closes the programs. {@code keep}: the pinned links and maps stay for the next agent, only this
   * process's references go; else everything is detached, unloaded and unpinned.
   */
  public void close(boolean keep) {
    if (attacher != null) {
      if (keep) {
        attacher.release();
      } else {
        attacher.close();
      }
    }
    if (!keep) {
      removePins();
    }
    if (flows != null) {
      flows.close();
      flows = null;
      source = null;
    }
    closeTcpHealth();
  }
}
