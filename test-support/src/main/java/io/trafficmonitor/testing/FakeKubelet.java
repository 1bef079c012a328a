package io.trafficmonitor.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Plays the kubelet (and the CNI) for pods on the rig's nodes. A pod is a Pod object bound to its
 * node, a network namespace behind a veth into the node's {@code cni0} bridge with an address of
 * the node's pod range, and a cgroup v2 directory in the kubelet's systemd layout named from the
 * Pod's UID ({@code kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice}).
 * Its status is patched to Running with its IP, as a kubelet would.
 */
public final class FakeKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final NodeNetwork network;
  private final Path cgroupRoot;
  private final Map<String, RigPod> pods = new LinkedHashMap<>();
  private final Map<String, Integer> nextHost = new LinkedHashMap<>();

  /** A running pod of the rig. */
  public record RigPod(
      String namespace,
      String name,
      String uid,
      NodeNetwork.Node node,
      String ip,
      String netns,
      String hostVeth,
      Path cgroup) {

    public Path netnsPath() {
      return Path.of("/var/run/netns", netns);
    }

    /**
     * The command line that runs {@code command} inside this pod: its process joins the pod's
     * cgroup, then enters its network namespace.
     */
    public List<String> command(List<String> command) {
      List<String> cmd = new ArrayList<>();
      cmd.add("bash");
      cmd.add("-c");
      cmd.add(
          "echo $$ > "
              + cgroup.resolve("cgroup.procs")
              + " && exec nsenter --net="
              + netnsPath()
              + " \"$@\"");
      cmd.add("pod");
      cmd.addAll(command);
      return cmd;
    }
  }

  public FakeKubelet(KubernetesClient client, NodeNetwork network) {
    this.client = client;
    this.network = network;
    this.cgroupRoot = Cgroups.root();
  }

  /** The cgroup v2 root that pods are created under (give it to the agent as CGROUP_ROOT). */
  public Path cgroupRoot() {
    return cgroupRoot;
  }

  /** Creates the Pod object on {@code node}, builds its network and cgroup, marks it Running. */
  public RigPod start(String node, String namespace, String name, Map<String, String> labels) {
    NodeNetwork.Node n = network.node(node);
    Pod pod =
        client
            .pods()
            .inNamespace(namespace)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .endMetadata()
                    .withNewSpec()
                    .withNodeName(node)
                    .addNewContainer()
                    .withName("app")
                    .withImage("trafficmonitor/workload:rig")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    String uid = pod.getMetadata().getUid();
    int host = nextHost.merge(node, 2, (a, b) -> a + 1);
    String ip = "10.244." + (n.index() + 1) + "." + host;
    String netns = "tm-p-" + uid.substring(0, 8);
    String hostVeth = "veth" + uid.substring(0, 8);
    Path cgroup =
        cgroupRoot.resolve(
            "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
                + uid.replace('-', '_')
                + ".slice");
    RigPod rp = new RigPod(namespace, name, uid, n, ip, netns, hostVeth, cgroup);
    pods.put(namespace + "/" + name, rp);
    String p = "ip -n " + netns + " ";
    Sh.ok(
        String.join(
            " && ",
            "ip netns add " + netns,
            "ip link add eth0 netns "
                + netns
                + " type veth peer name "
                + hostVeth
                + " netns "
                + n.netns(),
            "ip -n " + n.netns() + " link set " + hostVeth + " master cni0 up",
            p + "addr add " + ip + "/24 dev eth0",
            p + "link set lo up",
            p + "link set eth0 up",
            p + "route add default via " + n.gateway()));
    try {
      Files.createDirectories(cgroup);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    markRunning(rp);
    return rp;
  }

  private void markRunning(RigPod rp) {
    PodStatus status =
        PodStatuses.running(
            rp.ip(), rp.node().address(), "BestEffort", "app", "trafficmonitor/workload:rig");
    client
        .pods()
        .inNamespace(rp.namespace())
        .withName(rp.name())
        .editStatus(p -> new PodBuilder(p).withStatus(status).build());
  }

  /**
   * Runs {@code command} inside the pod (its cgroup and network namespace), returns the process.
   */
  public Process exec(RigPod pod, List<String> command) {
    try {
      return new ProcessBuilder(pod.command(command)).start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Deletes the pod as a kubelet would: kills its processes, removes network, cgroup, object. */
  public void delete(String namespace, String name) {
    RigPod rp = pods.remove(namespace + "/" + name);
    if (rp != null) {
      teardown(rp);
    }
    client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
    client
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(p -> p == null, 30, TimeUnit.SECONDS);
  }

  private static void teardown(RigPod rp) {
    Cgroups.killAndRemove(rp.cgroup());
    Sh.quiet("ip netns del " + rp.netns());
  }

  public List<RigPod> pods() {
    return List.copyOf(pods.values());
  }

  @Override
  public void close() {
    for (RigPod rp : pods.values()) {
      teardown(rp);
      try {
        client.pods().inNamespace(rp.namespace()).withName(rp.name()).withGracePeriod(0).delete();
      } catch (RuntimeException ignored) {
        // the cluster may already be gone
      }
    }
    pods.clear();
    Cgroups.removeEmptyKubepods(cgroupRoot);
  }
}
