package io.trafficmonitor.agent.attach;

import io.trafficmonitor.agent.target.Attachment;
import io.trafficmonitor.bpf.BpfLink;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import io.trafficmonitor.datapath.flow.TargetKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Keeps the datapath's attachments equal to a desired set: attaches what is missing, detaches what
 * is no longer wanted, and retries failures at the next call. An attachment is keyed by what it is
 * attached to, including the cgroup id or ifindex, so a pod cgroup or veth that was recreated under
 * the same name is re-attached.
 *
 * <p>With a pin directory, every attachment that is a kernel link (cgroup links, tcx) is pinned
 * there under a name made of its key, so that it outlives this agent: the next agent adopts the
 * pinned link and switches it to its own program atomically ({@code BPF_LINK_UPDATE}), so the hook
 * never runs without a program, or with two. Legacy clsact filters cannot be pinned: they are
 * removed and attached again ({@code StaleFilters}).
 */
final class Attacher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Attacher.class);

  private FlowDatapath datapath;
  private final Optional<Path> nodeNetns;
  private final Optional<Path> pins;
  private final Map<Attachment, BpfLink> links = new HashMap<>();
  private int adopted;

  public Attacher(FlowDatapath datapath, Optional<Path> nodeNetns) {
    this(datapath, nodeNetns, Optional.empty());
  }

  /** {@code pinDir}: where the links are pinned ({@code <pinDir>/links/}), or empty: nowhere. */
  public Attacher(FlowDatapath datapath, Optional<Path> nodeNetns, Optional<Path> pinDir) {
    this.datapath = datapath;
    this.nodeNetns = nodeNetns;
    this.pins = pinDir.map(d -> d.resolve("links"));
  }

  /** Makes the attachments equal to {@code desired}; returns the failures, by key. */
  public synchronized Map<Attachment, String> reconcile(Set<Attachment> desired) {
    for (Iterator<Map.Entry<Attachment, BpfLink>> it = links.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Attachment, BpfLink> e = it.next();
      if (!desired.contains(e.getKey())) {
        detach(e.getKey(), e.getValue());
        it.remove();
      }
    }
    Map<Attachment, String> errors = new HashMap<>();
    for (Attachment k : desired) {
      if (links.containsKey(k)) {
        continue;
      }
      try {
        BpfLink l = adopt(k);
        if (l == null) {
          l = attach(k);
          pin(k, l);
          LOG.infof("attached %s", k);
        }
        links.put(k, l);
      } catch (Exception e) {
        errors.put(k, e.getMessage());
        LOG.warnf("cannot attach %s: %s (retrying)", k, e.getMessage());
      }
    }
    removeStalePins();
    return errors;
  }

  /**
   * The pinned link a previous agent left for this attachment, switched to this agent's program;
   * null when there is none (or it cannot be used: it is removed, and a fresh one attached).
   */
  private BpfLink adopt(Attachment k) {
    if (pins.isEmpty()) {
      return null;
    }
    Path pin = pins.get().resolve(pinName(k));
    if (!Files.exists(pin)) {
      return null;
    }
    try {
      BpfLink link =
          datapath.adoptLink(pin, k.cgroup() ? TargetKind.CGROUP : TargetKind.TC, k.direction());
      adopted++;
      LOG.infof("adopted %s from the previous agent", k);
      return link;
    } catch (RuntimeException e) {
      LOG.warnf("pinned link of %s not adopted (attaching anew): %s", k, e.getMessage());
      deletePin(pin);
      return null;
    }
  }

  private void pin(Attachment k, BpfLink l) throws IOException {
    if (pins.isEmpty() || l.kind() == BpfLink.Kind.CLSACT) {
      return;
    }
    Files.createDirectories(pins.get());
    Path pin = pins.get().resolve(pinName(k));
    deletePin(pin); // a link of a previous agent that could not be adopted
    l.pin(pin);
    LOG.debugf("pinned %s at %s", k, pin);
  }

  /** Pins no current attachment owns: left by a previous agent for what is no longer wanted. */
  private void removeStalePins() {
    if (pins.isEmpty() || !Files.isDirectory(pins.get())) {
      return;
    }
    Set<String> owned = new HashSet<>();
    links.keySet().forEach(k -> owned.add(pinName(k)));
    try (Stream<Path> files = Files.list(pins.get())) {
      for (Path p : files.toList()) {
        if (!owned.contains(p.getFileName().toString())) {
          LOG.infof("removing the stale pinned link %s", p.getFileName());
          deletePin(p);
        }
      }
    } catch (IOException e) {
      LOG.warnf("cannot list %s: %s", pins.get(), e.getMessage());
    }
  }

  private static void deletePin(Path pin) {
    try {
      Files.deleteIfExists(pin); // the last reference gone: the kernel detaches the link
    } catch (IOException e) {
      LOG.warnf("cannot remove the pin %s: %s", pin, e.getMessage());
    }
  }

  /** The name of the pin of an attachment: what it is attached to, not its path or name. */
  private static String pinName(Attachment k) {
    return (k.cgroup() ? "cg-" : "if-")
        + k.id()
        + (k.direction() == Direction.INGRESS ? "-ingress" : "-egress");
  }

  private BpfLink attach(Attachment k) throws Exception {
    if (k.cgroup()) {
      return datapath.attachCgroup(Path.of(k.where()), k.direction());
    }
    if (nodeNetns.isPresent()) {
      return NetNs.callIn(
          nodeNetns.get(), () -> datapath.attachInterface((int) k.id(), k.direction()));
    }
    return datapath.attachInterface((int) k.id(), k.direction());
  }

  private static void detach(Attachment k, BpfLink link) {
    unpinAndClose(link);
    LOG.infof("detached %s", k);
  }

  private static void unpinAndClose(BpfLink link) {
    try {
      link.unpin();
      link.close();
    } catch (RuntimeException e) {
      // the interface or cgroup is already gone, and the attachment with it
      LOG.debugf("detach %s: %s", link, e.getMessage());
    }
  }

  /**
   * Moves every attachment to the programs of {@code next} (same hooks, larger maps, say): links
   * are switched in place, clsact filters attached again. Returns the failures, by key; those
   * attachments are dropped and attached again by the next reconcile.
   */
  public synchronized Map<Attachment, String> switchTo(FlowDatapath next) {
    Map<Attachment, String> errors = new HashMap<>();
    FlowDatapath previous = datapath;
    datapath = next;
    for (Iterator<Map.Entry<Attachment, BpfLink>> it = links.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Attachment, BpfLink> e = it.next();
      Attachment k = e.getKey();
      BpfLink l = e.getValue();
      try {
        if (l.kind() == BpfLink.Kind.CLSACT) {
          BpfLink fresh = attach(k);
          detach(k, l);
          e.setValue(fresh);
        } else {
          l.update(next.program(k.cgroup() ? TargetKind.CGROUP : TargetKind.TC, k.direction()));
        }
      } catch (Exception ex) {
        errors.put(k, ex.getMessage());
        detach(k, l);
        it.remove();
      }
    }
    LOG.debugf("attachments moved from %s to %s", previous, next);
    return errors;
  }

  public synchronized int attached() {
    return links.size();
  }

  /** Attachments taken over from a previous agent's pins. */
  public synchronized int adopted() {
    return adopted;
  }

  public synchronized Set<Attachment> keys() {
    return Set.copyOf(links.keySet());
  }

  /**
   * Leaves the pinned attachments for the next agent: only this process's references go; what is
   * not pinned (clsact filters) is detached.
   */
  public synchronized void release() {
    links.forEach(
        (k, l) -> {
          try {
            l.close();
          } catch (RuntimeException e) {
            LOG.debugf("release %s: %s", k, e.getMessage());
          }
        });
    links.clear();
  }

  /** Detaches everything, pins included. */
  @Override
  public synchronized void close() {
    links.forEach(Attacher::detach);
    links.clear();
    removeStalePins();
  }

  /** Removes every pinned link under {@code pinDir} (no agent will adopt them). */
  static void removePins(Path pinDir) {
    Path dir = pinDir.resolve("links");
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(Attacher::deletePin);
    } catch (IOException e) {
      LOG.warnf("cannot list %s: %s", dir, e.getMessage());
    }
  }
}
