package io.trafficmonitor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cluster of its own: starting is quick, and closing leaves no process, port or directory. */
class LocalClusterLifecycleIT {

  @Test
  void startsInSecondsAndLeavesNothingBehind() {
    Requirements.require(
        KubeBinaries.locate().missing().isEmpty(),
        "control-plane binaries missing "
            + KubeBinaries.locate().missing()
            + "; run hack/setup.sh");
    LocalCluster cluster = LocalCluster.start();
    Path dir = cluster.directory();
    List<ProcessHandle> processes = cluster.processHandles();
    int port = Integer.parseInt(cluster.url().substring(cluster.url().lastIndexOf(':') + 1));
    try {
      System.err.println(
          "warm start of the local control plane: " + cluster.startTime().toMillis() + " ms");
      assertThat(processes).hasSize(4).allMatch(ProcessHandle::isAlive);
      assertThat(cluster.client().nodes().list().getItems()).isEmpty();
    } finally {
      cluster.close();
    }
    assertThat(processes).noneMatch(ProcessHandle::isAlive);
    assertThat(Files.exists(dir)).isFalse();
    assertThat(LocalCluster.portOpen(port)).isFalse();
    cluster.close(); // twice is harmless
  }
}
