package io.trafficmonitor.agent.attach;

import io.trafficmonitor.agent.target.Attachment;
import io.trafficmonitor.bpf.BpfException;
import io.trafficmonitor.bpf.BpfLink;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.bpf.XdpLink;
import io.trafficmonitor.bpf.XdpMode;
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
import java.util.concurrent.Callable;
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
 *
 * <p>A node interface's ingress asked for by XDP ({@link Attachment#xdp()}) is attached native;
 * when XDP cannot attach (a driver without XDP, another program's XDP on the interface), TC ingress
 * counts in its place and the reason is reported at every reconcile, until the attachment changes.
 * {@link #ingressHooks()} says what counts each interface's ingress.
 */
final class Attacher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Attacher.class);

  private FlowDatapath datapath;
  private final Optional<Path> nodeNetns;
  private final Optional<Path> pins;
  private final Map<Attachment, BpfLink> links = new HashMap<>();

  /** What counts each XDP attachment's ingress: "XDP (native)" or "TC". */
  private final Map<Attachment, String> hooks = new HashMap<>();

  /** Why an XDP attachment is counted by TC instead. */
  private final Map<Attachment, String> fallbacks = new HashMap<>();

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
        hooks.remove(e.getKey());
        fallbacks.remove(e.getKey());
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
    errors.putAll(fallbacks);
    removeStalePins();
    return errors;
  }

  /** What counts the ingress of each interface attached by XDP, by ifindex. */
  public synchronized Map<Integer, String> ingressHooks() {
    Map<Integer, String> out = new HashMap<>();
    hooks.forEach((k, hook) -> out.put((int) k.id(), hook));
    return out;
  }

  /**
   * The pinned link a previous agent left for this attachment, switched to this agent's program;
   * null when there is none (or it cannot be used: it is removed, and a fresh one attached).
   */
  private BpfLink adopt(Attachment k) {
    if (pins.isEmpty()) {
      return null;
    }
    if (k.xdp()) {
      return adoptXdp(k);
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

  /**
   * The previous agent's XDP link of an interface, or its TC ingress link when XDP had fallen back
   * to TC there (kept as the fallback: attaching XDP again would count the packets in between
   * twice, or not at all).
   */
  private BpfLink adoptXdp(Attachment k) {
    Path xdpPin = pins.get().resolve(pinName(k));
    Path tcPin = pins.get().resolve(pinName(k.asTc()));
    try {
      if (Files.exists(xdpPin)) {
        XdpLink x =
            inNode(() -> datapath.adoptXdpLink(xdpPin)); // its mode, asked in the node's netns
        hooks.put(k, x.mode().label());
        adopted++;
        LOG.infof("adopted %s (%s) from the previous agent", k, x.mode().label());
        return x.link();
      }
      if (Files.exists(tcPin)) {
        BpfLink l = datapath.adoptLink(tcPin, TargetKind.TC, Direction.INGRESS);
        hooks.put(k, "TC");
        fallbacks.put(k, "XDP was not attached by the previous agent; ingress counted with TC");
        adopted++;
        return l;
      }
    } catch (Exception e) {
      LOG.warnf("pinned link of %s not adopted (attaching anew): %s", k, e.getMessage());
      deletePin(xdpPin);
      deletePin(tcPin);
    }
    return null;
  }

  private void pin(Attachment k, BpfLink l) throws IOException {
    if (pins.isEmpty() || l.kind() == BpfLink.Kind.CLSACT) {
      return;
    }
    Files.createDirectories(pins.get());
    Path pin = pins.get().resolve(pinName(pinned(k)));
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
    links.keySet().forEach(k -> owned.add(pinName(pinned(k))));
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

  /** The attachment whose link is there: TC ingress for an XDP one that fell back. */
  private Attachment pinned(Attachment k) {
    return k.xdp() && fallbacks.containsKey(k) ? k.asTc() : k;
  }

  /** The name of the pin of an attachment: what it is attached to, not its path or name. */
  private static String pinName(Attachment k) {
    return (k.cgroup() ? "cg-" : "if-")
        + k.id()
        + (k.xdp() ? "-xdp" : k.direction() == Direction.INGRESS ? "-ingress" : "-egress");
  }

  private BpfLink attach(Attachment k) throws Exception {
    if (k.cgroup()) {
      return datapath.attachCgroup(Path.of(k.where()), k.direction());
    }
    if (k.xdp()) {
      return attachXdp(k);
    }
    return inNode(() -> datapath.attachInterface((int) k.id(), k.direction()));
  }

  /**
   * Native XDP; TC ingress when it cannot attach, with the reason kept. Never generic XDP: it runs
   * once per skb, so it would count a GSO or GRO batch as one packet (docs/benchmarks/datapath.md).
   */
  private BpfLink attachXdp(Attachment k) throws Exception {
    try {
      XdpLink x = inNode(() -> datapath.attachInterfaceXdp((int) k.id(), XdpMode.NATIVE));
      hooks.put(k, x.mode().label());
      fallbacks.remove(k);
      LOG.infof("%s: ingress counted by %s", k.where(), x.mode().label());
      return x.link();
    } catch (BpfException e) {
      BpfLink tc = inNode(() -> datapath.attachInterface((int) k.id(), Direction.INGRESS));
      hooks.put(k, "TC");
      fallbacks.put(k, "XDP not attached (" + e.getMessage() + "); ingress counted with TC");
      LOG.warnf("%s: XDP not attached, ingress counted with TC: %s", k.where(), e.getMessage());
      return tc;
    }
  }

  private <T> T inNode(Callable<T> body) throws Exception {
    return nodeNetns.isPresent() ? NetNs.callIn(nodeNetns.get(), body) : body.call();
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
          l.update(
              k.xdp() && !"TC".equals(hooks.get(k))
                  ? next.xdpProgram()
                  : next.program(k.cgroup() ? TargetKind.CGROUP : TargetKind.TC, k.direction()));
        }
      } catch (Exception ex) {
        errors.put(k, ex.getMessage());
        detach(k, l);
        it.remove();
        hooks.remove(k);
        fallbacks.remove(k);
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
    hooks.clear();
    fallbacks.clear();
  }

  /** Detaches everything, pins included. */
  @Override
  public synchronized void close() {
    links.forEach(Attacher::detach);
    links.clear();
    hooks.clear();
    fallbacks.clear();
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
