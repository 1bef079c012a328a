package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.testing.Requirements;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packaged agent confined as a real DaemonSet pod would be, on a node whose kubelet is not the
 * rig's: pods in the cgroupfs layout under a cgroupRoot of their own ({@code tm-<node>/kubepods}),
 * their processes run by uid 65535.
 *
 * <p>{@link #likeARealPod}: the agent runs inside the node's network namespace (as a hostNetwork
 * pod; no NODE_NETNS, so it never enters a namespace), reaches the API server through a port
 * forwarded into that namespace, with only CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON and CAP_SYS_PTRACE
 * (setpriv: bounding set, no new privileges), a read-only root filesystem with a read-only /tmp and
 * a noexec /dev/shm (a private mount namespace), the library extracted into TM_NATIVE_DIR (an
 * emptyDir's stand-in), and no PATH: it runs no program. It finds both pods' cgroups and veths and
 * counts exactly.
 *
 * <p>{@link #kernelFeaturesTakenAwayAreReported}: with the kernel's BTF hidden and no cgroup2 mount
 * (a private mount namespace again: a real disablement, nothing simulated), the agent says both in
 * its status, runs without TCP health, and still counts the pods' veths (found by the pod IP, as no
 * cgroup gives a process).
 */
class ConfinedAgentIT {
  static final int HEADERS = 28;
  static final List<String> CAPS = List.of("bpf", "net_admin", "perfmon", "sys_ptrace");
  static final long CAP_EFF = (1L << 39) | (1L << 12) | (1L << 38) | (1L << 19);

  @RegisterExtension
  static final AgentOnTestNode site = new AgentOnTestNode("tm-confined-", "tmca").packaged();

  static TestNode.TestPod a;
  static TestNode.TestPod b;
  static Path work;

  @BeforeAll
  static void setUp() throws Exception {
    for (String tool : List.of("/usr/bin/setpriv", "/usr/bin/unshare", "/usr/bin/nsenter")) {
      Requirements.require(Files.isExecutable(Path.of(tool)), "missing binary " + tool);
    }
    site.node().cgroupfsUnder().pauseUser(65535);
    a = site.addPod("a", 2, "web");
    b = site.addPod("b", 3, "web");
    site.client().resource(Cluster.monitor(site.namespace(), "web", "web", "100ms")).create();
    work =
        Files.createDirectories(Path.of("target", "confined-" + site.nodeName())).toAbsolutePath();
  }

  static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("NODE_NAME", site.nodeName());
    env.put("TM_WATCH_NAMESPACE", site.namespace());
    env.put("STATUS_PERIOD", "1s");
    env.put("RESYNC_INTERVAL", "1s");
    env.put("HOST_PROC", "/proc");
    env.put("PATH", "/nonexistent");
    return env;
  }

  static NodeStatus statusAfter(Instant after, Predicate<NodeStatus> p) {
    return Wait.until(
        "a status of node " + site.nodeName() + " written after " + after + " as expected",
        Duration.ofSeconds(60),
        () ->
            site.status("web")
                .filter(s -> Instant.parse(s.getLastUpdate()).isAfter(after))
                .filter(p));
  }

  /** The kubeconfig of the cluster with its server moved to a port forwarded into the node. */
  static Path forwardedKubeconfig(InNetns.Forward forward) throws Exception {
    String kubeconfig = Files.readString(site.cluster().kubeconfig());
    Matcher m = Pattern.compile("server: (https://[^\\s]+)").matcher(kubeconfig);
    assertThat(m.find()).as("server in " + site.cluster().kubeconfig()).isTrue();
    Path out = work.resolve("kubeconfig");
    Files.writeString(out, kubeconfig.replace(m.group(1), "https://127.0.0.1:" + forward.port));
    return out;
  }

  static InetSocketAddress apiServer() throws Exception {
    Matcher m =
        Pattern.compile("server: https://([^:\\s]+):([0-9]+)")
            .matcher(Files.readString(site.cluster().kubeconfig()));
    assertThat(m.find()).isTrue();
    return new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
  }

  @Test
  void likeARealPod() throws Exception {
    try (InNetns.Forward api = new InNetns.Forward(site.node().netnsPath(), apiServer())) {
      Path nativeDir = Files.createDirectories(work.resolve("native"));
      Map<String, String> env = env();
      env.put("KUBECONFIG", forwardedKubeconfig(api).toString());
      env.put("TM_NATIVE_DIR", nativeDir.toString());
      Instant t0 = Instant.now();
      AgentProcess agent =
          site.closing(
              new AgentProcess(
                  env,
                  work.resolve("agent-confined.log"),
                  site.node().netnsPath(),
                  java -> {
                    String script =
                        String.join(
                            " && ",
                            "/bin/mount -t tmpfs -o rw,nosuid,nodev,size=16m tm-native "
                                + nativeDir,
                            // /tmp read-only, not hidden: the checkout (and so the agent's jar and
                            // the native tmpfs above) may live under /tmp; --rbind keeps that
                            // tmpfs.
                            "/bin/mount --rbind /tmp /tmp",
                            "/bin/mount -o remount,bind,ro /tmp",
                            "/bin/mount -t tmpfs -o rw,nosuid,nodev,noexec,size=8m tm-shm /dev/shm",
                            "/bin/mount -o remount,bind,ro /",
                            "exec /usr/bin/setpriv --bounding-set=-all,+"
                                + String.join(",+", CAPS)
                                + " --inh-caps=-all --no-new-privs -- "
                                + String.join(" ", java));
                    return List.of(
                        "/usr/bin/nsenter",
                        "--net=" + site.node().netnsPath(),
                        "/usr/bin/unshare",
                        "--mount",
                        "--propagation",
                        "private",
                        "/bin/sh",
                        "-c",
                        script);
                  }));
      Wait.until("the confined agent ready", Duration.ofSeconds(120), agent::ready);
      String capEff =
          Files.readAllLines(Path.of("/proc", Long.toString(agent.pid()), "status")).stream()
              .filter(l -> l.startsWith("CapEff:"))
              .findFirst()
              .orElseThrow();
      assertThat(Long.parseLong(capEff.split("\\s+")[1], 16)).isEqualTo(CAP_EFF);

      NodeStatus ready = statusAfter(t0, s -> s.getPods() == 2);
      assertThat(ready.getErrors()).isEmpty();
      a.sendUdp(b, 7400, 7401, 10, 100);
      NodeStatus st = statusAfter(t0, s -> s.getTxPackets() == 10);
      assertThat(st.getTxBytes()).isEqualTo(10L * (100 + HEADERS));
      assertThat(st.getErrors()).isEmpty();
      String metrics = agent.get("/metrics", site.scrapeToken());
      Map<String, String> vethOut =
          Map.of("pod_name", "a", "direction", "egress", "protocol", "UDP");
      assertThat(Scrape.sum(metrics, "trafficmonitor_pod_link_packets_total", vethOut))
          .isEqualTo(10);
      String log = Files.readString(agent.log);
      assertThat(log).contains("attached interface " + a.veth, "attached interface " + b.veth);
      assertThat(log).contains("attached cgroup " + a.cgroup);
      assertThat(log).contains("TCP health tracepoints attached");
      System.out.println(
          "confined agent: " + capEff + ", " + agent.tail().lines().count() + " log lines");
    }
  }

  @Test
  void kernelFeaturesTakenAwayAreReported() throws Exception {
    Map<String, String> env = env();
    env.put("KUBECONFIG", site.cluster().kubeconfig().toString());
    env.put("NODE_NETNS", site.node().netnsPath().toString());
    Instant t0 = Instant.now();
    AgentProcess agent =
        site.closing(
            new AgentProcess(
                env,
                work.resolve("agent-nobtf.log"),
                null,
                java ->
                    List.of(
                        "/usr/bin/unshare",
                        "--mount",
                        "--propagation",
                        "private",
                        "/bin/sh",
                        "-c",
                        "/bin/mount -t tmpfs -o ro,size=1m tm-nobtf /sys/kernel/btf"
                            + " && /bin/umount -l "
                            + TestNode.CGROUP_ROOT
                            + " && exec "
                            + String.join(" ", java))));
    Wait.until("the agent without BTF and cgroup2 ready", Duration.ofSeconds(120), agent::ready);
    NodeStatus st = statusAfter(t0, s -> s.getPods() == 2);
    assertThat(st.getErrors())
        .containsExactly(
            "kernel feature missing: BTF (/sys/kernel/btf/vmlinux absent: a kernel built without"
                + " CONFIG_DEBUG_INFO_BTF; needs Linux >= 5.4): TCP health and drops not measured",
            "kernel feature missing: cgroup2 (no cgroup2 mount in /proc/self/mountinfo; needs"
                + " Linux >= 4.5): pods' socket traffic (cgroup_skb) not measured, only their"
                + " veths (TC)");
    a.sendUdp(b, 7402, 7401, 12, 100);
    Map<String, String> vethOut = Map.of("pod_name", "a", "direction", "egress", "protocol", "UDP");
    Wait.until(
        "12 packets on " + a.veth,
        Duration.ofSeconds(30),
        () -> {
          try {
            return Scrape.sum(
                    agent.get("/metrics", site.scrapeToken()),
                    "trafficmonitor_pod_link_packets_total",
                    vethOut)
                == 12;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    String log = Files.readString(agent.log);
    List<String> kernelLines = new ArrayList<>();
    log.lines().filter(l -> l.contains("kernel feature")).forEach(kernelLines::add);
    assertThat(log).doesNotContain("TCP health tracepoints attached");
    System.out.println("agent without BTF and cgroup2: " + kernelLines);
  }
}
