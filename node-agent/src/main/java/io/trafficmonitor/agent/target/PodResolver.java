package io.trafficmonitor.agent.target;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.trafficmonitor.bpf.BpfException;
import io.trafficmonitor.bpf.Netlink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/**
 * Finds a pod's cgroup v2 directory ({@link CgroupLayout.Finder}) and its host-side veth without
 * entering the pod's network namespace: every veth of the node reports the id its peer's namespace
 * has in the node's (IFLA_LINK_NETNSID), and the node's namespace tells which id it gives the
 * namespace of a process of the pod (RTM_GETNSID by pid: no access to the process needed, only its
 * pid, hence hostPID). The veth whose peer is in that namespace is the pod's; with several, the one
 * whose peer is the pod's eth0 (the pod's interfaces are read by namespace id). Without a pid (no
 * process visible), the pod's IP is looked up in the namespaces behind the node's veths.
 *
 * <p>The inode of the pod's namespace (drops without a socket are attributed by it) is read from
 * {@code HOST_PROC/<pid>/ns/net}, which needs ptrace access to the process: CAP_SYS_PTRACE for a
 * process of another user.
 */
public final class PodResolver implements PodLookup {
  /** A lookup that resolves each pod (by UID) once: one reconcile, however many monitors. */
  public PodLookup memoized() {
    Map<String, Resolved> seen = new HashMap<>();
    return (pod, links) ->
        seen.computeIfAbsent(pod.getMetadata().getUid(), uid -> resolve(pod, links));
  }

  private final Optional<CgroupLayout.Finder> cgroups;
  private final Optional<Path> nodeNetns;
  private final Path hostProc;
  private List<Links.Link> addressesOf;
  private Map<InetAddress, int[]> addresses;

  public PodResolver(
      Optional<Path> cgroupRoot,
      CgroupLayout.Driver driver,
      Optional<Path> nodeNetns,
      Path hostProc) {
    this.cgroups = cgroupRoot.map(r -> new CgroupLayout.Finder(r, driver));
    this.nodeNetns = nodeNetns;
    this.hostProc = hostProc;
  }

  /** A veth of the node namespace. */
  public record Veth(String name, int ifindex) {}

  /**
   * What was found; errors say what was not, and why. {@code netns} is the inode of the pod's own
   * network namespace (0 when it shares the node's or none was found).
   */
  public record Resolved(
      Optional<Path> cgroupDir,
      Set<Long> cgroupIds,
      Optional<Veth> veth,
      long netns,
      List<String> errors) {}

  /** Resolves one pod; {@code nodeLinks} are the node namespace's interfaces. */
  @Override
  public Resolved resolve(Pod pod, List<Links.Link> nodeLinks) {
    String uid = pod.getMetadata().getUid();
    String qos = pod.getStatus() == null ? null : pod.getStatus().getQosClass();
    List<String> errors = new ArrayList<>();
    Optional<Path> dir = cgroups.flatMap(f -> f.find(uid, qos));
    Set<Long> ids = new HashSet<>();
    if (dir.isEmpty() && cgroups.isPresent()) {
      errors.add(
          "cgroup not found under "
              + cgroups.get().root()
              + " (looked for pod"
              + uid
              + " and *-pod"
              + uid.replace('-', '_')
              + ".slice in the kubelet layouts and "
              + CgroupLayout.Finder.MAX_DEPTH
              + " levels deep)");
    } else if (dir.isPresent()) {
      try (Stream<Path> tree = Files.walk(dir.get(), 4)) {
        for (Path p : (Iterable<Path>) tree.filter(Files::isDirectory)::iterator) {
          ids.add(CgroupLayout.cgroupId(p));
        }
      } catch (IOException | UncheckedIOException e) {
        errors.add("cannot read cgroup " + dir.get() + ": " + e.getMessage());
      }
    }
    Optional<Veth> veth = Optional.empty();
    long[] netns = {0};
    boolean hostNetwork =
        pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
    if (!hostNetwork) {
      veth = findVeth(pod, dir, nodeLinks, errors, netns);
    }
    return new Resolved(dir, Set.copyOf(ids), veth, netns[0], List.copyOf(errors));
  }

  /** The host-side veth of the pod; netns[0] receives the inode of the pod's namespace. */
  private Optional<Veth> findVeth(
      Pod pod, Optional<Path> dir, List<Links.Link> nodeLinks, List<String> errors, long[] netns) {
    String why;
    long found = dir.map(PodResolver::anyPid).orElse(NO_PROCESS);
    Optional<Long> pid = found > 0 ? Optional.of(found) : Optional.empty();
    try (Netlink nl = Netlink.open(nodeNetns)) {
      if (pid.isPresent()) {
        Path ns = hostProc.resolve(pid.get().toString()).resolve("ns").resolve("net");
        if (sameNamespace(ns, errors).orElse(false)) {
          return Optional.empty(); // shares the node's namespace: no veth of its own
        }
        netns[0] = inode(ns).orElse(0L);
        int nsid = Netlink.NSID_NOT_ASSIGNED;
        try {
          nsid = nl.nsidOfPid(pid.get());
          why = "the pod's network namespace has no interface into the node's";
        } catch (BpfException e) {
          why =
              "cannot ask for the network namespace of process "
                  + pid.get()
                  + ": "
                  + e.getMessage();
        }
        if (nsid != Netlink.NSID_NOT_ASSIGNED) {
          int id = nsid;
          Optional<Links.Link> v = choose(nodeLinks, id, () -> eth0Ifindex(nl, id));
          if (v.isPresent()) {
            return Optional.of(new Veth(v.get().name(), v.get().ifindex()));
          }
          why =
              "no interface of the node has its peer in the pod's network namespace (id "
                  + id
                  + ")";
        }
      } else if (found == INVISIBLE) {
        why = "no process of the pod is visible in the agent's PID namespace (hostPID: true?)";
      } else {
        why =
            dir.isEmpty()
                ? "no cgroup to find a process of the pod in"
                : "no process in the pod's cgroup";
      }
      Optional<Links.Link> byIp = byAddress(nl, pod, nodeLinks);
      if (byIp.isPresent()) {
        if (found == INVISIBLE) {
          errors.add(
              "drops without a socket in the pod's network namespace are not attributed to it: "
                  + why);
        }
        return Optional.of(new Veth(byIp.get().name(), byIp.get().ifindex()));
      }
    } catch (BpfException e) {
      why = "cannot ask the node's network namespace: " + e.getMessage();
    }
    errors.add("host-side veth not found: " + why);
    return Optional.empty();
  }

  /**
   * The link of the node whose peer is in the namespace with id {@code nsid}: the only one, or,
   * when several are, the one whose peer is the namespace's eth0 (else the first).
   */
  static Optional<Links.Link> choose(
      List<Links.Link> nodeLinks, int nsid, IntSupplier eth0Ifindex) {
    List<Links.Link> peers =
        nodeLinks.stream()
            .filter(l -> l.peerElsewhere() && l.peerNetnsid() == nsid && l.peerIfindex() > 0)
            .toList();
    if (peers.size() <= 1) {
      return peers.stream().findFirst();
    }
    int eth0 = eth0Ifindex.getAsInt();
    return peers.stream()
        .filter(l -> l.peerIfindex() == eth0)
        .findFirst()
        .or(() -> peers.stream().findFirst());
  }

  /** The ifindex of eth0 in the namespace {@code nsid}, 0 when it has none or cannot be read. */
  private static int eth0Ifindex(Netlink nl, int nsid) {
    try {
      return nl.links(nsid).stream()
          .filter(l -> l.name().equals("eth0"))
          .mapToInt(Netlink.Link::ifindex)
          .findFirst()
          .orElse(0);
    } catch (BpfException e) {
      return 0;
    }
  }

  /**
   * The veth behind which the pod's IP lives: the addresses of the namespaces behind the node's
   * veths, read once per list of node links (one reconcile pass).
   */
  private Optional<Links.Link> byAddress(Netlink nl, Pod pod, List<Links.Link> nodeLinks) {
    if (pod.getStatus() == null || pod.getStatus().getPodIPs() == null) {
      return Optional.empty();
    }
    if (addressesOf != nodeLinks) {
      addresses = new HashMap<>();
      for (int nsid :
          nodeLinks.stream()
              .filter(Links.Link::peerElsewhere)
              .mapToInt(Links.Link::peerNetnsid)
              .filter(i -> i >= 0)
              .distinct()
              .toArray()) {
        try {
          for (Netlink.Address a : nl.addresses(nsid)) {
            addresses.put(a.address(), new int[] {nsid, a.ifindex()});
          }
        } catch (BpfException e) {
          // a namespace going away, or not ours to read
        }
      }
      addressesOf = nodeLinks;
    }
    for (PodIP ip : pod.getStatus().getPodIPs()) {
      int[] where;
      try {
        where = addresses.get(InetAddress.getByName(ip.getIp()));
      } catch (IOException e) {
        continue;
      }
      if (where != null) {
        for (Links.Link l : nodeLinks) {
          if (l.peerElsewhere() && l.peerNetnsid() == where[0] && l.peerIfindex() == where[1]) {
            return Optional.of(l);
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the namespace file is the node's; empty when it cannot be told (the file needs ptrace
   * access: the reason goes into errors).
   */
  private Optional<Boolean> sameNamespace(Path ns, List<String> errors) {
    Path node = nodeNetns.orElse(Path.of("/proc/self/ns/net"));
    try {
      return Optional.of(
          Files.getAttribute(ns, "unix:ino").equals(Files.getAttribute(node, "unix:ino"))
              && Files.getAttribute(ns, "unix:dev").equals(Files.getAttribute(node, "unix:dev")));
    } catch (IOException | UncheckedIOException e) {
      errors.add(
          "drops without a socket in the pod's network namespace are not attributed to it:"
              + " cannot read "
              + ns
              + " ("
              + e.getMessage()
              + "; another user's process needs CAP_SYS_PTRACE)");
      return Optional.empty();
    }
  }

  private static Optional<Long> inode(Path ns) {
    try {
      return Optional.of(((Number) Files.getAttribute(ns, "unix:ino")).longValue());
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /** {@link #anyPid}: the cgroup has no process. */
  static final long NO_PROCESS = -1;

  /** {@link #anyPid}: its processes are outside the agent's PID namespace (shown as pid 0). */
  static final long INVISIBLE = 0;

  /**
   * A process of the cgroup or of a cgroup below it, as the agent's PID namespace numbers it; else
   * {@link #INVISIBLE} or {@link #NO_PROCESS}.
   */
  static long anyPid(Path dir) {
    long result = NO_PROCESS;
    try (Stream<Path> tree = Files.walk(dir, 4)) {
      for (Path p :
          (Iterable<Path>)
              tree.filter(x -> x.getFileName().toString().equals("cgroup.procs"))::iterator) {
        for (String line : Files.readAllLines(p)) {
          long pid = line.isBlank() ? NO_PROCESS : Long.parseLong(line.trim());
          if (pid > 0) {
            return pid;
          }
          result = Math.max(result, pid);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      return result;
    }
    return result;
  }
}
