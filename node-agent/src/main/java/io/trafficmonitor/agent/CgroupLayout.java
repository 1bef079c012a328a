package io.trafficmonitor.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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
 * (uid_ is the UID with its dashes turned into underscores.)
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

  /** The cgroup2 mount point from {@code /proc/self/mountinfo} text. */
  public static Optional<Path> cgroup2Mount(String mountinfo) {
    for (String line : mountinfo.split("\n")) {
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] after = line.substring(dash + 3).split(" ");
      String[] before = line.substring(0, dash).split(" ");
      if (after.length > 0 && after[0].equals("cgroup2") && before.length > 4) {
        return Optional.of(Path.of(unescape(before[4])));
      }
    }
    return Optional.empty();
  }

  /** The cgroup2 mount of this process. */
  public static Path defaultRoot() {
    try {
      return cgroup2Mount(Files.readString(Path.of("/proc/self/mountinfo")))
          .orElseThrow(() -> new IllegalStateException("no cgroup2 mount in /proc/self/mountinfo"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/mountinfo", e);
    }
  }

  /** The cgroup v2 id of a directory: its inode number. */
  public static long cgroupId(Path dir) throws IOException {
    return ((Number) Files.getAttribute(dir, "unix:ino")).longValue();
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\");
  }
}
