package io.trafficmonitor.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.agent.target.CgroupLayout;
import io.trafficmonitor.testing.Sh;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node without a kubelet, played by the test: a network namespace for the node, and per pod a
 * network namespace behind a veth into it (routed /32, static neighbours, IPv6 off so that no
 * traffic but the test's flows), a kubelet-layout cgroup named from the Pod's UID (systemd driver,
 * BestEffort, one container cgroup below it) holding a "pause" process in the pod's namespace, and
 * the Pod's status patched to Running with its IP. {@link #close()} removes it all.
 *
 * <p>{@link #cgroupfsUnder} puts the pods in the cgroupfs layout under a kubelet cgroupRoot of
 * their own ({@code tm-<node>/kubepods/besteffort/pod<uid>}, as a second kubelet on a host would),
 * and {@link #pauseUser} runs the pause processes as another user (a pod's processes are rarely the
 * agent's uid 0).
 */
final class TestNode implements AutoCloseable {
  static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup/unified");

  final String name;
  final String netns;
  final int subnet;
  private final KubernetesClient client;
  private final List<TestPod> pods = new ArrayList<>();
  private Path cgroupRoot;
  private String pauseUser;

  /** A pod on this node. */
  final class TestPod {
    final String namespace;
    final String name;
    final String uid;
    final String ip;
    final String netns;
    final String veth;
    final Path cgroup;
    final Path container;
    Process pause;

    TestPod(String namespace, String name, String uid, String ip, String netns, String veth) {
      this.namespace = namespace;
      this.name = name;
      this.uid = uid;
      this.ip = ip;
      this.netns = netns;
      this.veth = veth;
      this.cgroup =
          cgroupRoot == null
              ? CGROUP_ROOT.resolve(
                  CgroupLayout.podDir(CgroupLayout.Driver.SYSTEMD, uid, "BestEffort"))
              : cgroupRoot.resolve(
                  CgroupLayout.podDir(CgroupLayout.Driver.CGROUPFS, uid, "BestEffort"));
      this.container = cgroup.resolve(cgroupRoot == null ? "cri-containerd-0.scope" : "c0");
    }

    Path netnsPath() {
      return Path.of("/var/run/netns", netns);
    }

    /** Runs {@link PodTraffic} as a process of this pod (its cgroup, its network namespace). */
    Process start(String... args) throws Exception {
      String java = ProcessHandle.current().info().command().orElse("java");
      String cp =
          new File(PodTraffic.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .getPath();
      String cmd =
          "echo $$ > "
              + container.resolve("cgroup.procs")
              + " && exec nsenter --net="
              + netnsPath()
              + " "
              + java
              + " -Xshare:auto -XX:TieredStopAtLevel=1 -cp "
              + cp
              + " "
              + PodTraffic.class.getName()
              + " "
              + String.join(" ", args);
      return new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    }

    /** Sends count datagrams of size payload bytes to dst:dport and waits until received. */
    void sendUdp(TestPod dst, int sport, int dport, int count, int size) throws Exception {
      sendUdp(dst, sport, dport, count, size, null);
    }

    /** count TCP connections to dst, each sending bytes and held open holdMillis; returns read. */
    long tcpConnections(TestPod dst, int port, int count, int bytes, int holdMillis)
        throws Exception {
      Process serve = dst.start("serve", dst.ip, Integer.toString(port), Integer.toString(count));
      try {
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"READY".equals(first)) {
          throw new IllegalStateException("server did not start: " + first);
        }
        Process connect =
            start(
                "connect",
                ip,
                dst.ip,
                Integer.toString(port),
                Integer.toString(count),
                Integer.toString(bytes),
                Integer.toString(holdMillis));
        if (!connect.waitFor(30, TimeUnit.SECONDS) || connect.exitValue() != 0) {
          connect.destroyForcibly();
          throw new IllegalStateException(
              "client failed: " + new String(connect.getInputStream().readAllBytes()));
        }
        String got = out.readLine();
        serve.waitFor(30, TimeUnit.SECONDS);
        return Long.parseLong(got.trim());
      } finally {
        serve.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }

    /** As above; with skip non-null, payloads carry sequence numbers without those in skip. */
    void sendUdp(TestPod dst, int sport, int dport, int count, int size, String skip)
        throws Exception {
      Process recv = dst.start("recv", dst.ip, Integer.toString(dport), Integer.toString(count));
      try {
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(recv.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"READY".equals(first)) {
          throw new IllegalStateException("receiver did not start: " + first);
        }
        Process send =
            start(
                "send",
                ip,
                Integer.toString(sport),
                dst.ip,
                Integer.toString(dport),
                Integer.toString(count),
                Integer.toString(size),
                skip == null ? "" : skip);
        if (!send.waitFor(30, TimeUnit.SECONDS) || send.exitValue() != 0) {
          send.destroyForcibly();
          throw new IllegalStateException(
              "sender failed: " + new String(send.getInputStream().readAllBytes()));
        }
        String got = out.readLine();
        if (!recv.waitFor(30, TimeUnit.SECONDS) || !Integer.toString(count).equals(got)) {
          throw new IllegalStateException("received " + got + " of " + count + " datagrams");
        }
      } finally {
        recv.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  TestNode(KubernetesClient client, String name, int subnet) {
    this.client = client;
    this.name = name;
    this.subnet = subnet;
    this.netns = name;
    Sh.quiet("ip netns del " + netns + " 2>/dev/null");
    Sh.ok(
        "ip netns add "
            + netns
            + " && ip netns exec "
            + netns
            + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"
            + " net.ipv4.ip_forward=1"
            + " && ip -n "
            + netns
            + " link set lo up");
  }

  Path netnsPath() {
    return Path.of("/var/run/netns", netns);
  }

  /**
   * The environment of an agent of this node, as the tests run it: its node, the monitors of {@code
   * watchNamespace} (null: every namespace), status and resync every second, this node's cgroups
   * and network namespace. A new map: a test adds what it needs.
   */
  Map<String, String> agentEnv(String watchNamespace) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("NODE_NAME", name);
    if (watchNamespace != null) {
      env.put("TM_WATCH_NAMESPACE", watchNamespace);
    }
    env.put("STATUS_PERIOD", "1s");
    env.put("RESYNC_INTERVAL", "1s");
    env.put("CGROUP_ROOT", CGROUP_ROOT.toString());
    env.put("NODE_NETNS", netnsPath().toString());
    return env;
  }

  /** Pods of this node go in the cgroupfs layout under cgroupRoot tm-NODE (before addPod). */
  TestNode cgroupfsUnder() {
    cgroupRoot = CGROUP_ROOT.resolve("tm-" + name);
    return this;
  }

  /** Pause processes run as uid:gid (before addPod). */
  TestNode pauseUser(int uid) {
    pauseUser = uid + ":" + uid;
    return this;
  }

  /** The name of this node's end of the link made by {@link #connect}. */
  String uplink() {
    return name + "up";
  }

  /**
   * Joins two nodes with a veth ({@code <node>up} on each side, 10.214.x.1/.2) and routes each
   * node's pod subnet (10.213.subnet.0/24) through it.
   */
  static void connect(TestNode n1, TestNode n2) {
    String a = "ip -n " + n1.netns + " ";
    String b = "ip -n " + n2.netns + " ";
    String macA = String.format("02:00:0c:d5:%02x:01", n1.subnet);
    String macB = String.format("02:00:0c:d5:%02x:02", n2.subnet);
    String ipA = "10.214." + n1.subnet + ".1";
    String ipB = "10.214." + n1.subnet + ".2";
    Sh.ok(
        String.join(
            " && ",
            "ip link add "
                + n1.uplink()
                + " address "
                + macA
                + " netns "
                + n1.netns
                + " type veth peer name "
                + n2.uplink()
                + " address "
                + macB
                + " netns "
                + n2.netns,
            a + "addr add " + ipA + "/30 dev " + n1.uplink(),
            b + "addr add " + ipB + "/30 dev " + n2.uplink(),
            a + "link set " + n1.uplink() + " up",
            b + "link set " + n2.uplink() + " up",
            a
                + "neigh replace "
                + ipB
                + " lladdr "
                + macB
                + " dev "
                + n1.uplink()
                + " nud permanent",
            b
                + "neigh replace "
                + ipA
                + " lladdr "
                + macA
                + " dev "
                + n2.uplink()
                + " nud permanent",
            a + "route add 10.213." + n2.subnet + ".0/24 via " + ipB,
            b + "route add 10.213." + n1.subnet + ".0/24 via " + ipA));
  }

  /** Creates the Pod object, then its namespace, veth, cgroup and pause process; Running. */
  TestPod addPod(String namespace, String podName, int host, Map<String, String> labels)
      throws Exception {
    Pod pod =
        client
            .pods()
            .inNamespace(namespace)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(podName)
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .endMetadata()
                    .withNewSpec()
                    .withNodeName(name)
                    .addNewContainer()
                    .withName("app")
                    .withImage("registry.k8s.io/pause:3.10")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    String ip = "10.213." + subnet + "." + host;
    String podNs = name + "-p" + host;
    String veth = name + "v" + host;
    TestPod p = new TestPod(namespace, podName, pod.getMetadata().getUid(), ip, podNs, veth);
    pods.add(p);
    String podMac = String.format("02:00:0a:d5:%02x:%02x", subnet, host);
    String hostMac = String.format("02:00:0b:d5:%02x:%02x", subnet, host);
    String n = "ip -n " + netns + " ";
    String q = "ip -n " + podNs + " ";
    Sh.quiet("ip netns del " + podNs + " 2>/dev/null");
    Sh.ok(
        String.join(
            " && ",
            "ip netns add " + podNs,
            "ip netns exec "
                + podNs
                + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1"
                + " net.ipv6.conf.default.disable_ipv6=1",
            "ip link add "
                + veth
                + " address "
                + hostMac
                + " netns "
                + netns
                + " type veth peer name eth0 address "
                + podMac
                + " netns "
                + podNs,
            q + "addr add " + ip + "/32 dev eth0",
            q + "link set lo up",
            q + "link set eth0 up",
            q + "route add 169.254.1.1 dev eth0 scope link",
            q + "route add default via 169.254.1.1 dev eth0",
            q + "neigh replace 169.254.1.1 lladdr " + hostMac + " dev eth0 nud permanent",
            n + "link set " + veth + " up",
            n + "route add " + ip + "/32 dev " + veth,
            n + "neigh replace " + ip + " lladdr " + podMac + " dev " + veth + " nud permanent"));
    Files.createDirectories(p.container);
    p.pause =
        new ProcessBuilder(
                "sh",
                "-c",
                "echo $$ > "
                    + p.container.resolve("cgroup.procs")
                    + " && exec nsenter --net="
                    + p.netnsPath()
                    + (pauseUser == null
                        ? ""
                        : " setpriv --reuid="
                            + pauseUser.split(":")[0]
                            + " --regid="
                            + pauseUser.split(":")[1]
                            + " --clear-groups")
                    + " sleep 900")
            .start();
    client
        .pods()
        .inNamespace(namespace)
        .withName(podName)
        .editStatus(
            x ->
                new PodBuilder(x)
                    .editOrNewStatus()
                    .withPhase("Running")
                    .withPodIP(ip)
                    .addNewPodIP(ip)
                    .endStatus()
                    .build());
    return p;
  }

  /** Removes a pod's processes, namespace and cgroup (what the kubelet does after deletion). */
  void removePod(TestPod p) {
    if (p.pause != null) {
      try {
        p.pause.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Sh.quiet("ip netns del " + p.netns + " 2>/dev/null");
    for (int i = 0; i < 50; i++) { // the cgroup empties once the killed process is reaped
      Sh.quiet("rmdir " + p.container + " " + p.cgroup + " 2>/dev/null");
      if (!Files.exists(p.cgroup)) {
        break;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    pods.remove(p);
  }

  @Override
  public void close() {
    for (TestPod p : new ArrayList<>(pods)) {
      removePod(p);
    }
    Sh.quiet("ip netns del " + netns + " 2>/dev/null");
    if (cgroupRoot != null) {
      Sh.quiet("find " + cgroupRoot + " -depth -type d -exec rmdir {} + 2>/dev/null");
    }
    // the shared parents go only when nobody else uses them
    Sh.quiet(
        "rmdir "
            + CGROUP_ROOT.resolve("kubepods.slice/kubepods-besteffort.slice")
            + " "
            + CGROUP_ROOT.resolve("kubepods.slice")
            + " 2>/dev/null");
  }
}
