package io.trafficmonitor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The rig: pods on two network-namespace nodes reach each other; teardown leaves nothing. */
@ExtendWith(ClusterExtension.class)
class FakeKubeletIT {

  @Test
  void podsOnTwoNodesTalkAndLeaveNothingBehind(TestCluster cluster) throws Exception {
    Requirements.requireRoot();
    Requirements.require(Files.exists(Tools.trafficgenJar()), "trafficgen jar not built");
    KubernetesClient client = cluster.client();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName("rig").endMetadata().build())
        .serverSideApply();
    FakeKubelet.RigPod a;
    FakeKubelet.RigPod b;
    try (NodeNetwork net = NodeNetwork.create("rig-a", "rig-b");
        FakeKubelet kubelet = new FakeKubelet(client, net)) {
      a = kubelet.start("rig-a", "rig", "client", Map.of("app", "client"));
      b = kubelet.start("rig-b", "rig", "server", Map.of("app", "server"));

      Pod pod = client.pods().inNamespace("rig").withName("server").get();
      assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
      assertThat(pod.getStatus().getPodIP()).isEqualTo(b.ip());
      assertThat(pod.getSpec().getNodeName()).isEqualTo("rig-b");
      assertThat(Files.isDirectory(b.cgroup())).isTrue();

      String jar = Tools.trafficgenJar().toString();
      Process server =
          kubelet.exec(
              b,
              List.of(
                  "java",
                  "-jar",
                  jar,
                  "server",
                  "--protocol",
                  "udp",
                  "--listen",
                  b.ip() + ":7000",
                  "--quiet"));
      BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream()));
      assertThat(out.readLine()).isEqualTo("LISTENING " + b.ip() + ":7000");
      // the server's JVM runs in the pod's cgroup
      assertThat(Files.readString(b.cgroup().resolve("cgroup.procs")).trim())
          .isEqualTo(Long.toString(server.pid()));

      Process client2 =
          kubelet.exec(
              a,
              List.of(
                  "java",
                  "-jar",
                  jar,
                  "client",
                  "--protocol",
                  "udp",
                  "--target",
                  b.ip() + ":7000",
                  "--count",
                  "100",
                  "--size",
                  "500",
                  "--quiet"));
      assertThat(client2.waitFor(30, TimeUnit.SECONDS)).isTrue();
      String summary = new String(client2.getInputStream().readAllBytes());
      assertThat(summary).contains("\"messages\":100", "\"errors\":0");
      Thread.sleep(200);
      server.toHandle().destroy();
      server.waitFor(10, TimeUnit.SECONDS);
      assertThat(out.lines().filter(l -> l.startsWith("SUMMARY")).findFirst().orElseThrow())
          .contains("\"messages\":100", "\"payloadBytes\":50000");

      kubelet.delete("rig", "client");
      assertThat(Files.exists(a.cgroup())).isFalse();
      assertThat(client.pods().inNamespace("rig").withName("client").get()).isNull();
    }
    assertThat(Sh.ok("ip netns list")).doesNotContain("tm-rig-", "tm-link", a.netns(), b.netns());
    assertThat(Files.exists(b.cgroup())).isFalse();
  }
}
