package io.trafficmonitor.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Command-line tools that hack/setup.sh installs, found where it puts them. */
public final class Tools {
  /** The Helm release that hack/setup.sh builds from its Go module. */
  public static final String HELM_VERSION = "v3.21.4";

  private Tools() {}

  static Path cache() {
    String cache = System.getenv("TM_CACHE");
    return cache != null && !cache.isBlank()
        ? Paths.get(cache)
        : Paths.get(System.getProperty("user.home"), ".cache", "trafficmonitor");
  }

  public static Path helm() {
    return cache().resolve("helm").resolve(HELM_VERSION).resolve("helm");
  }

  public static Path promtool() {
    return Paths.get("/usr/bin/promtool");
  }

  /** The Prometheus release that hack/setup.sh builds from its Go module (v0.316.0: 3.16). */
  public static final String PROMETHEUS_VERSION = "v0.316.0";

  /**
   * The Prometheus server that hack/setup.sh builds: Debian's is built without Kubernetes service
   * discovery.
   */
  public static Path prometheus() {
    return cache().resolve("prometheus").resolve(PROMETHEUS_VERSION).resolve("prometheus");
  }

  /** The traffic generator's jar, built by the trafficgen module. */
  public static Path trafficgenJar() {
    return repoRoot().resolve("trafficgen/target/trafficgen.jar");
  }

  /** The repository's root: the failsafe property {@code tm.repo.root}, else the nearest .git. */
  public static Path repoRoot() {
    String prop = System.getProperty("tm.repo.root");
    if (prop != null && !prop.isBlank()) {
      return Paths.get(prop);
    }
    Path p = Paths.get("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve(".git"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find the repository root from " + Paths.get(""));
    }
    return p;
  }

  /** Fails under CI (skips elsewhere) when a tool is missing, naming the set-up step. */
  public static Path require(Path tool) {
    Requirements.require(Files.isExecutable(tool), tool + " is missing; run hack/setup.sh");
    return tool;
  }
}
