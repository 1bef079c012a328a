package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.testing.Commands;
import io.trafficmonitor.testing.ProcessResult;
import io.trafficmonitor.testing.Requirements;
import io.trafficmonitor.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Measures the capabilities the agent needs: {@link KernelSteps} (every kernel operation of the
 * agent) runs as root inside a node's network namespace, as a hostNetwork pod would, with a
 * bounding set of BPF, NET_ADMIN, PERFMON and SYS_PTRACE (setpriv, no new privileges), then with
 * each of them taken away, then without the host's PID namespace. The pod's processes run as uid
 * 65535, in the cgroupfs layout under a cgroupRoot of their own. Prints the table
 * node-agent/README.md shows.
 */
class CapabilitiesIT {
  static final List<String> MINIMAL = List.of("bpf", "net_admin", "perfmon", "sys_ptrace");

  static KubernetesClient client;
  static String namespace;
  static String nodeName;
  static TestNode node;
  static TestNode.TestPod pod;
  static final Map<String, Map<String, String>> table = new LinkedHashMap<>();

  @BeforeAll
  static void setUp() throws Exception {
    Cluster.requireKernelAndCluster();
    Requirements.require(Files.isExecutable(Path.of("/usr/bin/setpriv")), "missing setpriv");
    TestCluster cluster = TestCluster.shared();
    client = cluster.client();
    int id = ThreadLocalRandom.current().nextInt(10_000, 99_999);
    namespace = "tm-caps-" + id;
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
    nodeName = "tmcap" + id;
    node = new TestNode(client, nodeName, id % 250).cgroupfsUnder().pauseUser(65535);
    pod = node.addPod(namespace, "p", 2, Map.of("app", "p"));
  }

  @AfterAll
  static void tearDown() {
    StringBuilder b = new StringBuilder("capabilities measured (bounding set; OK or why not):\n");
    table.forEach(
        (run, steps) -> {
          b.append("== ").append(run).append('\n');
          steps.forEach((s, r) -> b.append("   ").append(s).append(": ").append(r).append('\n'));
        });
    System.out.println(b);
    if (node != null) {
      node.close();
    }
    if (client != null && namespace != null) {
      client.namespaces().withName(namespace).delete();
    }
  }

  /** Runs KernelSteps with the capabilities {@code caps}; step name to "OK" or "FAIL why". */
  static Map<String, String> run(String label, List<String> caps, boolean hostPid) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + node.netnsPath()));
    if (!hostPid) {
      cmd.addAll(List.of("unshare", "--pid", "--fork", "--mount-proc"));
    }
    cmd.addAll(
        List.of(
            "setpriv",
            "--bounding-set=-all" + (caps.isEmpty() ? "" : ",+" + String.join(",+", caps)),
            "--inh-caps=-all",
            "--no-new-privs",
            "--",
            java,
            "-Xshare:auto",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            KernelSteps.class.getName(),
            TestNode.CGROUP_ROOT.toString(),
            "/proc",
            pod.uid,
            pod.ip));
    ProcessResult r = Commands.run(Duration.ofSeconds(120), cmd);
    Map<String, String> steps = new LinkedHashMap<>();
    for (String line : r.stdout().lines().toList()) {
      if (line.startsWith("STEP ")) {
        int ok = line.lastIndexOf(" OK");
        int fail = line.indexOf(" FAIL ");
        if (fail > 0) {
          steps.put(line.substring(5, fail), "FAIL " + line.substring(fail + 6));
        } else if (ok > 0) {
          steps.put(line.substring(5, ok), "OK");
        }
      }
    }
    assertThat(steps).as(label + ": " + r.stdout() + r.stderr()).isNotEmpty();
    table.put(label, steps);
    return steps;
  }

  static List<String> without(String cap) {
    return MINIMAL.stream().filter(c -> !c.equals(cap)).toList();
  }

  static List<String> failed(Map<String, String> steps) {
    return steps.entrySet().stream()
        .filter(e -> !e.getValue().equals("OK"))
        .map(Map.Entry::getKey)
        .toList();
  }

  @Test
  void bpfNetAdminPerfmonAndSysPtraceRunEverything() {
    Map<String, String> steps = run("BPF NET_ADMIN PERFMON SYS_PTRACE", MINIMAL, true);
    assertThat(failed(steps)).as(steps.toString()).isEmpty();
    assertThat(steps).hasSize(11);
  }

  @Test
  void withoutBpfNothingLoads() {
    Map<String, String> steps = run("without BPF", without("bpf"), true);
    assertThat(failed(steps)).contains("probe kernel features", "load flow programs");
    assertThat(steps.get("find pod cgroup and veth")).isEqualTo("OK");
  }

  @Test
  void withoutNetAdminTheFlowProgramsDoNotLoad() {
    Map<String, String> steps = run("without NET_ADMIN", without("net_admin"), true);
    assertThat(failed(steps)).contains("probe kernel features", "load flow programs");
    assertThat(steps.get("probe kernel features")).contains("SCHED_CLS", "DENIED");
  }

  /**
   * The verifier allows the flow programs' packet pointer arithmetic only with CAP_PERFMON ("R1 has
   * pointer with unsupported alu operation, pointer arithmetic with it prohibited for !root"), and
   * tp_btf programs need it anyway.
   */
  @Test
  void withoutPerfmonTheVerifierRefusesTheFlowPrograms() {
    Map<String, String> steps = run("without PERFMON", without("perfmon"), true);
    assertThat(failed(steps)).contains("probe kernel features", "load flow programs");
    assertThat(steps.get("probe kernel features")).contains("TP_BTF", "DENIED");
    assertThat(steps.get("load flow programs")).contains("Permission denied");
  }

  @Test
  void withoutSysPtraceThePodsNamespaceInodeIsUnreadable() {
    Map<String, String> steps = run("without SYS_PTRACE", without("sys_ptrace"), true);
    assertThat(failed(steps)).containsExactly("read pod netns inode");
    assertThat(steps.get("read pod netns inode")).contains("CAP_SYS_PTRACE");
  }

  @Test
  void withoutHostPidTheVethIsFoundByThePodIp() {
    Map<String, String> steps = run("all four, own PID namespace", MINIMAL, false);
    assertThat(steps.get("find pod cgroup and veth")).isEqualTo("OK");
    assertThat(failed(steps)).containsExactly("read pod netns inode");
    assertThat(steps.get("read pod netns inode"))
        .contains("not attributed", "no process of the pod is visible", "hostPID");
  }
}
