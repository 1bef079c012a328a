package io.trafficmonitor.agent;

import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds a pod's cgroup v2 directory (kubelet layout, from its UID and QoS class) and its host-side
 * veth (the peer of eth0 in the pod's network namespace, reached through a process of the pod's
 * cgroup; failing that, the device the node routes the pod IP through).
 */
public final class PodResolver {
  private final Path cgroupRoot;
  private final CgroupLayout.Driver driver;
  private final Optional<Path> nodeNetns;
  private final Path hostProc;

  public PodResolver(
      Path cgroupRoot, CgroupLayout.Driver driver, Optional<Path> nodeNetns, Path hostProc) {
    this.cgroupRoot = cgroupRoot;
    this.driver = driver;
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
  public Resolved resolve(Pod pod, List<Links.Link> nodeLinks) {
    String uid = pod.getMetadata().getUid();
    String qos = pod.getStatus() == null ? null : pod.getStatus().getQosClass();
    List<String> errors = new ArrayList<>();
    Optional<Path> dir = CgroupLayout.find(cgroupRoot, driver, uid, qos);
    Set<Long> ids = new HashSet<>();
    if (dir.isEmpty()) {
      errors.add(
          "cgroup not found under "
              + cgroupRoot
              + " (tried "
              + CgroupLayout.podDir(
                  driver == CgroupLayout.Driver.CGROUPFS
                      ? CgroupLayout.Driver.CGROUPFS
                      : CgroupLayout.Driver.SYSTEMD,
                  uid,
                  qos == null ? "BestEffort" : qos)
              + " and the other QoS classes and drivers)");
    } else {
      try (Stream<Path> tree = Files.walk(dir.get(), 4)) {
        for (Path p : (Iterable<Path>) tree.filter(Files::isDirectory)::iterator) {
          ids.add(CgroupLayout.cgroupId(p));
        }
      } catch (IOException | java.io.UncheckedIOException e) {
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
    String why = "no process in the pod's cgroup to find its network namespace from";
    Optional<Long> pid = dir.flatMap(PodResolver::anyPid);
    if (pid.isPresent()) {
      Path ns = hostProc.resolve(pid.get().toString()).resolve("ns").resolve("net");
      try {
        if (sameFile(ns, nodeNetns.orElse(Path.of("/proc/self/ns/net")))) {
          return Optional.empty(); // shares the node's namespace: no veth of its own
        }
        netns[0] = ((Number) Files.getAttribute(ns, "unix:ino")).longValue();
        Optional<Links.Link> eth0 =
            Links.list(Optional.of(ns)).stream()
                .filter(l -> l.peerIfindex() > 0 && l.peerElsewhere())
                .sorted(
                    (a, b) -> Boolean.compare(!a.name().equals("eth0"), !b.name().equals("eth0")))
                .findFirst();
        if (eth0.isPresent()) {
          int peer = eth0.get().peerIfindex();
          for (Links.Link l : nodeLinks) {
            if (l.ifindex() == peer) {
              return Optional.of(new Veth(l.name(), l.ifindex()));
            }
          }
          why =
              "the peer of the pod's "
                  + eth0.get().name()
                  + " (ifindex "
                  + peer
                  + ") is not in the node's namespace";
        } else {
          why = "the pod's network namespace has no veth";
        }
      } catch (IOException | IllegalStateException e) {
        why = "cannot look into the pod's network namespace: " + e.getMessage();
      }
    }
    String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    if (ip != null && !ip.isBlank()) {
      Optional<String> dev = Links.routeDevice(nodeNetns, ip);
      if (dev.isPresent()) {
        for (Links.Link l : nodeLinks) {
          if (l.name().equals(dev.get()) && l.peerIfindex() > 0) {
            return Optional.of(new Veth(l.name(), l.ifindex()));
          }
        }
      }
    }
    errors.add("host-side veth not found: " + why);
    return Optional.empty();
  }

  private static boolean sameFile(Path a, Path b) throws IOException {
    return Files.getAttribute(a, "unix:ino").equals(Files.getAttribute(b, "unix:ino"))
        && Files.getAttribute(a, "unix:dev").equals(Files.getAttribute(b, "unix:dev"));
  }

  /** A process of the cgroup or of a cgroup below it. */
  static Optional<Long> anyPid(Path dir) {
    try (Stream<Path> tree = Files.walk(dir, 4)) {
      for (Path p :
          (Iterable<Path>)
              tree.filter(x -> x.getFileName().toString().equals("cgroup.procs"))::iterator) {
        for (String line : Files.readAllLines(p)) {
          if (!line.isBlank()) {
            return Optional.of(Long.parseLong(line.trim()));
          }
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
