package io.trafficmonitor.agent;

import io.trafficmonitor.bpf.BpfLink;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.NetNs;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Keeps the datapath's attachments equal to a desired set: attaches what is missing, detaches what
 * is no longer wanted, and retries failures at the next call. An attachment is keyed by what it is
 * attached to, including the cgroup id or ifindex, so a pod cgroup or veth that was recreated under
 * the same name is re-attached.
 */
public final class Attacher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Attacher.class);

  /** One program attachment: a cgroup (path, id) or an interface of the node (name, ifindex). */
  public record Key(boolean cgroup, String where, long id, Direction direction) {
    public static Key cgroup(Path dir, long id, Direction d) {
      return new Key(true, dir.toString(), id, d);
    }

    public static Key tc(String ifname, int ifindex, Direction d) {
      return new Key(false, ifname, ifindex, d);
    }

    @Override
    public String toString() {
      return (cgroup ? "cgroup " : "interface ")
          + where
          + " ("
          + (cgroup ? "id " : "ifindex ")
          + id
          + ") "
          + direction.name().toLowerCase();
    }
  }

  private final FlowDatapath datapath;
  private final Optional<Path> nodeNetns;
  private final Map<Key, BpfLink> links = new HashMap<>();

  public Attacher(FlowDatapath datapath, Optional<Path> nodeNetns) {
    this.datapath = datapath;
    this.nodeNetns = nodeNetns;
  }

  /** Makes the attachments equal to {@code desired}; returns the failures, by key. */
  public synchronized Map<Key, String> reconcile(Set<Key> desired) {
    for (Iterator<Map.Entry<Key, BpfLink>> it = links.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, BpfLink> e = it.next();
      if (!desired.contains(e.getKey())) {
        detach(e.getKey(), e.getValue());
        it.remove();
      }
    }
    Map<Key, String> errors = new HashMap<>();
    for (Key k : desired) {
      if (links.containsKey(k)) {
        continue;
      }
      try {
        links.put(k, attach(k));
        LOG.infof("attached %s", k);
      } catch (Exception e) {
        errors.put(k, e.getMessage());
        LOG.warnf("cannot attach %s: %s (retrying)", k, e.getMessage());
      }
    }
    return errors;
  }

  private BpfLink attach(Key k) throws Exception {
    if (k.cgroup()) {
      return datapath.attachCgroup(Path.of(k.where()), k.direction());
    }
    if (nodeNetns.isPresent()) {
      return NetNs.callIn(
          nodeNetns.get(), () -> datapath.attachInterface((int) k.id(), k.direction()));
    }
    return datapath.attachInterface((int) k.id(), k.direction());
  }

  private static void detach(Key k, BpfLink link) {
    try {
      link.close();
      LOG.infof("detached %s", k);
    } catch (RuntimeException e) {
      // the interface or cgroup is already gone, and the attachment with it
      LOG.debugf("detach %s: %s", k, e.getMessage());
    }
  }

  public synchronized int attached() {
    return links.size();
  }

  public synchronized Set<Key> keys() {
    return Set.copyOf(links.keySet());
  }

  /** Detaches everything. */
  @Override
  public synchronized void close() {
    links.forEach(Attacher::detach);
    links.clear();
  }
}
