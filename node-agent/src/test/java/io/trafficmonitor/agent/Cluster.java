package io.trafficmonitor.agent;

import io.trafficmonitor.testing.Requirements;
import io.trafficmonitor.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;

/** Preconditions and set-up shared by the integration tests. */
final class Cluster {
  private Cluster() {}

  static void requireKernelAndCluster() {
    Requirements.requireRoot();
    for (String tool : new String[] {"ip", "nsenter", "bpftool", "sysctl"}) {
      Requirements.require(onPath(tool), "missing binary " + tool);
    }
    Requirements.require(
        Files.isDirectory(TestNode.CGROUP_ROOT.resolve(""))
            && Files.exists(TestNode.CGROUP_ROOT.resolve("cgroup.procs")),
        "no cgroup v2 hierarchy at " + TestNode.CGROUP_ROOT);
  }

  static void installCrd(TestCluster cluster) {
    Path root = Path.of(System.getProperty("tm.repo.root", ".."));
    Path crd = root.resolve("crds/trafficmonitors.trafficmonitor.io-v1.yml");
    if (!Files.exists(crd)) {
      crd = Path.of("../crds/trafficmonitors.trafficmonitor.io-v1.yml");
    }
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", crd.toString()).orThrow();
    cluster
        .kubectl(
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/trafficmonitors.trafficmonitor.io")
        .orThrow();
  }

  private static boolean onPath(String tool) {
    for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
