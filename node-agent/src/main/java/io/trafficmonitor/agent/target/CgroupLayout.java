package io.trafficmonitor.agent.target;

import io.trafficmonitor.bpf.KernelFeatures;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where the kubelet puts a pod's cgroup, from its UID and QoS class:
 *
 * <pre>
 * systemd   kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod&lt;uid_&gt;.slice
 *           kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod&lt;uid_&gt;.slice
 *           kubepods.slice/kubepods-pod&lt;uid_&gt;.slice                   (Guaranteed)
 * cgroupfs  kubepods/besteffort/pod&lt;uid&gt;, kubepods/burstable/pod&lt;uid&gt;, kubepods/pod&lt;uid&gt;
 * </pre>
 *
 * (uid_ is the UID with its dashes turned into underscores.) These are the layouts of a kubelet
 * whose cgroupRoot is the root; {@link Finder} finds pods under any other cgroupRoot (kind's {@code
 * /kubelet/kubepods/...}, {@code /kubelet.slice/kubelet-kubepods.slice/...}, a second kubelet's
 * {@code /node2/kubepods/...}) by a bounded search that remembers where it found them.
 */
public final class CgroupLayout {
  /** The kubelet's cgroup driver. */
  public enum Driver {
    SYSTEMD,
    CGROUPFS,
    /** Whichever layout exists on the node. */
    AUTO;

    public static Driver parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "CGROUP_DRIVER must be systemd, cgroupfs or auto, not " + text, e);
      }
    }
  }

  private static final List<String> QOS = List.of("Guaranteed", "Burstable", "BestEffort");

  private CgroupLayout() {}

  /** The pod's cgroup directory relative to the cgroup root. */
  public static Path podDir(Driver driver, String uid, String qosClass) {
    String qos = qosClass == null ? "" : qosClass.toLowerCase(Locale.ROOT);
    boolean guaranteed = qos.equals("guaranteed");
    if (driver == Driver.SYSTEMD) {
      String u = uid.replace('-', '_');
      return guaranteed
          ? Path.of("kubepods.slice", "kubepods-pod" + u + ".slice")
          : Path.of(
              "kubepods.slice",
              "kubepods-" + qos + ".slice",
              "kubepods-" + qos + "-pod" + u + ".slice");
    }
    return guaranteed ? Path.of("kubepods", "pod" + uid) : Path.of("kubepods", qos, "pod" + uid);
  }

  /**
   * Candidate directories, most likely first: the pod's QoS class under the configured driver (both
   * for AUTO), then the other classes (a status without qosClass).
   */
  public static List<Path> candidates(Path root, Driver driver, String uid, String qosClass) {
    List<Driver> drivers =
        driver == Driver.AUTO ? List.of(Driver.SYSTEMD, Driver.CGROUPFS) : List.of(driver);
    List<String> classes = new ArrayList<>();
    if (qosClass != null && !qosClass.isBlank()) {
      classes.add(qosClass);
    }
    for (String q : QOS) {
      if (!q.equalsIgnoreCase(qosClass)) {
        classes.add(q);
      }
    }
    List<Path> out = new ArrayList<>();
    for (String q : classes) {
      for (Driver d : drivers) {
        out.add(root.resolve(podDir(d, uid, q)));
      }
    }
    return out;
  }

  /** The first candidate that exists. */
  public static Optional<Path> find(Path root, Driver driver, String uid, String qosClass) {
    return candidates(root, driver, uid, qosClass).stream().filter(Files::isDirectory).findFirst();
  }

  /**
   * Finds pod cgroups under one cgroup v2 root: first the layouts above, then the parent
   * directories where earlier pods were found (and their QoS siblings), then a search of at most
   * {@link #MAX_DIRS} directories {@link #MAX_DEPTH} deep that does not descend into pods, for
   * {@code pod<uid>} (cgroupfs) or {@code *-pod<uid_>.slice} (systemd). Where a search finds a pod
   * is remembered, so the next pods of that kubelet cost one stat each.
   */
  public static final class Finder {
    public static final int MAX_DEPTH = 6;
    public static final int MAX_DIRS = 20_000;
    private static final Pattern POD_DIR =
        Pattern.compile("(pod[0-9a-fA-F_-]{36}|.*-pod[0-9a-fA-F_]{36}\\.slice)");

    private final Path root;
    private final Driver driver;
    private final Set<Path> parents = new LinkedHashSet<>();
    private int searches;

    public Finder(Path root, Driver driver) {
      this.root = root;
      this.driver = driver;
    }

    public Path root() {
      return root;
    }

    /** The pod's directory, if it exists anywhere this finder looks. */
    public synchronized Optional<Path> find(String uid, String qosClass) {
      Optional<Path> dir = CgroupLayout.find(root, driver, uid, qosClass);
      if (dir.isEmpty()) {
        for (Path parent : parents) {
          dir = inParent(parent, uid);
          if (dir.isPresent()) {
            break;
          }
        }
      }
      if (dir.isEmpty()) {
        dir = search(uid);
      }
      dir.ifPresent(d -> learn(d.getParent()));
      return dir;
    }

    /** Parents where pods were found, in the order they were learned (tests, diagnostics). */
    public synchronized List<Path> parents() {
      return List.copyOf(parents);
    }

    /** How many searches ran (tests). */
    synchronized int searches() {
      return searches;
    }

    private Optional<Path> inParent(Path parent, String uid) {
      for (String name : names(parent, uid)) {
        Path p = parent.resolve(name);
        if (Files.isDirectory(p)) {
          return Optional.of(p);
        }
      }
      return Optional.empty();
    }

    /** The names a pod's directory would have inside {@code parent}. */
    private List<String> names(Path parent, String uid) {
      List<String> out = new ArrayList<>();
      if (driver != Driver.SYSTEMD) {
        out.add("pod" + uid);
      }
      String parentName = parent.getFileName() == null ? "" : parent.getFileName().toString();
      if (driver != Driver.CGROUPFS && parentName.endsWith(".slice")) {
        String prefix = parentName.substring(0, parentName.length() - ".slice".length());
        out.add(prefix + "-pod" + uid.replace('-', '_') + ".slice");
      }
      return out;
    }

    private boolean matches(String name, String uid) {
      String u = uid.replace('-', '_');
      boolean cgroupfs = name.equals("pod" + uid) || name.equals("pod" + u);
      boolean systemd = name.endsWith("-pod" + u + ".slice");
      return switch (driver) {
        case CGROUPFS -> cgroupfs;
        case SYSTEMD -> systemd;
        case AUTO -> cgroupfs || systemd;
      };
    }

    /** Remembers a pod's parent and the other QoS classes' parents beside it. */
    private void learn(Path parent) {
      if (parent == null || !parent.startsWith(root)) {
        return;
      }
      String name = parent.getFileName() == null ? "" : parent.getFileName().toString();
      Path kubepods = parent;
      for (String qos : List.of("besteffort", "burstable")) {
        if (name.equals(qos) || name.endsWith("-" + qos + ".slice")) {
          kubepods = parent.getParent();
        }
      }
      Set<Path> family = new LinkedHashSet<>();
      family.add(parent);
      family.add(kubepods);
      String k = kubepods.getFileName() == null ? "" : kubepods.getFileName().toString();
      for (String qos : List.of("besteffort", "burstable")) {
        family.add(
            k.endsWith(".slice")
                ? kubepods.resolve(
                    k.substring(0, k.length() - ".slice".length()) + "-" + qos + ".slice")
                : kubepods.resolve(qos));
      }
      parents.addAll(family);
    }

    private Optional<Path> search(String uid) {
      searches++;
      Path[] found = {null};
      int[] visited = {0};
      try {
        Files.walkFileTree(
            root,
            EnumSet.noneOf(FileVisitOption.class),
            MAX_DEPTH,
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (++visited[0] > MAX_DIRS) {
                  return FileVisitResult.TERMINATE;
                }
                return visit(dir);
              }

              @Override
              public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                return attrs.isDirectory() ? visit(file) : FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // gone meanwhile, or not ours to read
              }

              private FileVisitResult visit(Path dir) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                if (matches(name, uid)) {
                  found[0] = dir;
                  return FileVisitResult.TERMINATE;
                }
                return POD_DIR.matcher(name).matches()
                    ? FileVisitResult.SKIP_SUBTREE
                    : FileVisitResult.CONTINUE;
              }
            });
      } catch (IOException e) {
        return Optional.empty();
      }
      return Optional.ofNullable(found[0]);
    }
  }

  /** The cgroup2 mount point from {@code /proc/self/mountinfo} text. */
  public static Optional<Path> cgroup2Mount(String mountinfo) {
    return KernelFeatures.mountPoint(mountinfo, "cgroup2");
  }

  /** The cgroup2 mount of this process, if any. */
  public static Optional<Path> findRoot() {
    try {
      return cgroup2Mount(Files.readString(Path.of("/proc/self/mountinfo")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Why no cgroup v2 hierarchy can be used at {@code root} ({@code configured}: CGROUP_ROOT, else
   * found in mountinfo), or null when it is one.
   */
  public static String problem(Optional<Path> configured, Optional<Path> root) {
    if (root.isEmpty()) {
      return "no cgroup2 mount in /proc/self/mountinfo";
    }
    if (!Files.exists(root.get().resolve("cgroup.controllers"))) {
      return (configured.isPresent() ? "CGROUP_ROOT=" : "")
          + root.get()
          + " is not a cgroup v2 hierarchy (no cgroup.controllers)";
    }
    return null;
  }

  /** The cgroup v2 id of a directory: its inode number. */
  public static long cgroupId(Path dir) throws IOException {
    return ((Number) Files.getAttribute(dir, "unix:ino")).longValue();
  }
}
