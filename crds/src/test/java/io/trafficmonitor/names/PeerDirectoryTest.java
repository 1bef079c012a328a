package io.trafficmonitor.names;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.v1alpha1.Peer;
import io.trafficmonitor.names.PeerDirectory.Owner;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerDirectoryTest {
  private final PeerDirectory d = new PeerDirectory();

  @Test
  void aDeploymentsPodIsNamedByTheDeploymentAboveItsReplicaSet() {
    d.putOwner("rs-1", new Owner("Deployment", "web", "dep-1"));
    d.putPod("pod-1", "shop", "web-7d9f-abcde", List.of("10.244.1.5"), rs("web-7d9f", "rs-1"));
    assertThat(d.resolve("10.244.1.5"))
        .isEqualTo(new Peer(Peer.POD, "shop", "web-7d9f-abcde", "Deployment", "web"));
  }

  @Test
  void aReplicaSetNoDeploymentOwnsIsTheWorkload() {
    d.putPod("pod-1", "shop", "lone-x1", List.of("10.244.1.6"), rs("lone", "rs-2"));
    assertThat(d.resolve("10.244.1.6").getWorkloadKind()).isEqualTo("ReplicaSet");
    assertThat(d.resolve("10.244.1.6").getWorkload()).isEqualTo("lone");
  }

  @Test
  void aCronJobsPodIsNamedByTheCronJobAboveItsJob() {
    d.putOwner("job-1", new Owner("CronJob", "backup", "cj-1"));
    d.putPod(
        "pod-2",
        "ops",
        "backup-29000000-q",
        List.of("10.244.2.7"),
        new Owner("Job", "backup-29000000", "job-1"));
    assertThat(d.resolve("10.244.2.7"))
        .isEqualTo(new Peer(Peer.POD, "ops", "backup-29000000-q", "CronJob", "backup"));
  }

  @Test
  void statefulSetsDaemonSetsAndBarePods() {
    d.putPod("p1", "db", "pg-0", List.of("10.0.0.1"), new Owner("StatefulSet", "pg", "ss"));
    d.putPod("p2", "db", "bare", List.of("10.0.0.2"), null);
    assertThat(d.resolve("10.0.0.1").toString()).isEqualTo("Pod db/pg-0 (StatefulSet pg)");
    assertThat(d.resolve("10.0.0.2")).isEqualTo(new Peer(Peer.POD, "db", "bare", null, null));
  }

  @Test
  void servicesNodesAndTheWorld() {
    d.putService("shop", "web", List.of("10.96.0.10", "fd00:96::a"));
    d.putNode("node-1", List.of("192.168.1.10"));
    assertThat(d.resolve("10.96.0.10"))
        .isEqualTo(new Peer(Peer.SERVICE, "shop", "web", null, null));
    assertThat(d.resolve("192.168.1.10"))
        .isEqualTo(new Peer(Peer.NODE, null, "node-1", null, null));
    assertThat(d.resolve("203.0.113.9")).isEqualTo(new Peer(Peer.WORLD, null, null, null, null));
    // The agents write IPv6 addresses in full, the API server compressed.
    assertThat(d.resolve("fd00:96:0:0:0:0:0:a").getName()).isEqualTo("web");
    assertThat(d.resolve("not-an-address").getKind()).isEqualTo(Peer.WORLD);
  }

  @Test
  void anAddressTakenOverByAnotherPodIsNotForgottenWithTheFirst() {
    d.putPod("old", "a", "one", List.of("10.1.1.1"), null);
    d.putPod("new", "b", "two", List.of("10.1.1.1"), null);
    d.removePod("old", List.of("10.1.1.1"));
    assertThat(d.resolve("10.1.1.1").getName()).isEqualTo("two");
    d.removePod("new", List.of("10.1.1.1"));
    assertThat(d.resolve("10.1.1.1").getKind()).isEqualTo(Peer.WORLD);
  }

  @Test
  void aNamespacedMonitorLearnsOnlyTheKindOfWhatIsInAnotherNamespace() {
    Peer pod = new Peer(Peer.POD, "team-b", "db-0", "StatefulSet", "db");
    assertThat(PeerDirectory.visibleFrom(pod, "team-a"))
        .isEqualTo(new Peer(Peer.POD, null, null, null, null));
    assertThat(PeerDirectory.visibleFrom(pod, "team-b")).isEqualTo(pod);
    assertThat(PeerDirectory.visibleFrom(pod, null)).isEqualTo(pod);
    Peer node = new Peer(Peer.NODE, null, "node-1", null, null);
    assertThat(PeerDirectory.visibleFrom(node, "team-a")).isEqualTo(node);
  }

  private static Owner rs(String name, String uid) {
    return new Owner("ReplicaSet", name, uid);
  }
}
