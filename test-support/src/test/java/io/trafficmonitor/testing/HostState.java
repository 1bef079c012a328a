package io.trafficmonitor.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What kubelet nodes could leave behind on the host, as text to compare before and after: links,
 * namespaces, routes, mounts and top-level cgroups of the nodes' names and addresses (others' tests
 * may change the rest meanwhile), nft rules, kernel tunables, bpffs propagation, and the hard-coded
 * paths of the kubelet, containerd and libcni.
 */
record HostState(Map<String, String> parts) {
  private static final String OURS = "grep -E 'tmk|10\\.21[01]\\.|trafficmonitor-clusters' | sort";

  static HostState take() {
    Map<String, String> p = new TreeMap<>();
    p.put("links", Sh.run("ip -o link show | awk -F': ' '{print $2}' | " + OURS).stdout());
    p.put("netns", Sh.run("ip netns list | " + OURS).stdout());
    p.put("routes", Sh.run("ip route show table all | " + OURS).stdout());
    p.put("nft", Sh.ok("nft list ruleset"));
    p.put("mounts", Sh.run("awk '{print $5, $6}' /proc/self/mountinfo | " + OURS).stdout());
    p.put("bpffs", Sh.run("findmnt -no PROPAGATION /sys/fs/bpf").stdout());
    p.put("ip_forward", Sh.ok("sysctl -n net.ipv4.ip_forward"));
    p.put(
        "tunables",
        Sh.ok(
            "sysctl vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops"
                + " kernel.keys.root_maxkeys kernel.keys.root_maxbytes"));
    List<String> cgroups = new ArrayList<>();
    for (Path h : Cgroups.hierarchies()) {
      for (Path d : Cgroups.children(h, "")) {
        cgroups.add(d.toString());
      }
    }
    p.put(
        "cgroups",
        String.join("\n", cgroups.stream().filter(c -> c.contains("tmk")).sorted().toList()));
    for (String dir :
        List.of(
            "/var/lib/kubelet",
            "/var/log/containers",
            "/var/log/pods",
            "/var/lib/cni",
            "/var/lib/containerd",
            "/etc/cni",
            "/opt/cni",
            "/etc/kubernetes",
            "/usr/libexec/kubernetes")) {
      p.put(dir, tree(Path.of(dir)));
    }
    // other containerds may run meanwhile (images/check.sh): only dead shim sockets count
    Set<String> bound =
        new HashSet<>(Arrays.asList(Sh.ok("awk '{print $8}' /proc/net/unix").split("\n")));
    p.put(
        "dead sockets in /run/containerd/s",
        String.join(
            "\n",
            Arrays.stream(tree(Path.of("/run/containerd/s")).split("\n"))
                .filter(f -> f.startsWith("/run/containerd/s/") && !bound.contains(f))
                .toList()));
    return new HostState(p);
  }

  private static String tree(Path dir) {
    if (!Files.exists(dir)) {
      return "(absent)";
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return String.join("\n", walk.map(Path::toString).sorted().toList());
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** The parts that differ from {@code before}, with both texts. */
  String diff(HostState before) {
    StringBuilder out = new StringBuilder();
    parts.forEach(
        (k, v) -> {
          String b = before.parts.get(k);
          if (!v.equals(b)) {
            out.append("--- ").append(k).append(" before:\n").append(b).append('\n');
            out.append("+++ ").append(k).append(" after:\n").append(v).append('\n');
          }
        });
    return out.toString();
  }
}
