package io.trafficmonitor.agent.target;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which node interface is a pod's, from the namespace ids the veths report. */
class PodResolverTest {
  static Links.Link veth(String name, int ifindex, int peer, int nsid) {
    return new Links.Link(name, ifindex, "veth", peer, true, nsid);
  }

  static final List<Links.Link> NODE =
      List.of(
          new Links.Link("lo", 1, "", 0, false, -1),
          new Links.Link("eth0", 2, "", 0, false, -1),
          new Links.Link("cni0", 3, "bridge", 0, false, -1),
          veth("veth-a", 10, 2, 0),
          veth("veth-b", 11, 2, 1),
          veth("veth-b2", 12, 5, 1));

  @Test
  void theOnlyVethIntoThePodsNamespace() {
    assertThat(PodResolver.choose(NODE, 0, () -> 0)).map(Links.Link::name).contains("veth-a");
  }

  @Test
  void severalVethsIntoOneNamespacePreferThePeerNamedEth0() {
    assertThat(PodResolver.choose(NODE, 1, () -> 5)).map(Links.Link::name).contains("veth-b2");
    assertThat(PodResolver.choose(NODE, 1, () -> 2)).map(Links.Link::name).contains("veth-b");
    // no eth0 there (or unreadable): the first
    assertThat(PodResolver.choose(NODE, 1, () -> 0)).map(Links.Link::name).contains("veth-b");
  }

  @Test
  void noneForANamespaceWithoutALinkIntoTheNode() {
    assertThat(PodResolver.choose(NODE, 7, () -> 0)).isEmpty();
  }

  @Test
  void aPodProcessIsAPidOfTheAgentsPidNamespace(@TempDir Path pod) throws Exception {
    Files.writeString(pod.resolve("cgroup.procs"), "");
    Path container = Files.createDirectories(pod.resolve("c0"));
    Files.writeString(container.resolve("cgroup.procs"), "");
    assertThat(PodResolver.anyPid(pod)).isEqualTo(PodResolver.NO_PROCESS);
    // processes outside the reader's PID namespace read as 0 (no hostPID)
    Files.writeString(container.resolve("cgroup.procs"), "0\n0\n");
    assertThat(PodResolver.anyPid(pod)).isEqualTo(PodResolver.INVISIBLE);
    Files.writeString(container.resolve("cgroup.procs"), "0\n4242\n");
    assertThat(PodResolver.anyPid(pod)).isEqualTo(4242);
  }
}
