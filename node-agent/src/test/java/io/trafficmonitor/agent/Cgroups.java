package io.trafficmonitor.agent;

import io.trafficmonitor.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What bpftool says is attached to a cgroup or to an interface of a test node. */
final class Cgroups {
  private Cgroups() {}

  /** Program names attached to the cgroup (empty string when none or gone). */
  static String attachedPrograms(Path cgroup) {
    if (!Files.isDirectory(cgroup)) {
      return "";
    }
    return names(Sh.quiet("bpftool -j cgroup show " + cgroup));
  }

  /** The ifindex of an interface of the node's network namespace. */
  static long ifindex(TestNode node, String ifname) {
    String json = Sh.ok("ip -n " + node.netns + " -j link show dev " + ifname);
    Matcher m = Pattern.compile("\"ifindex\":([0-9]+)").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no ifindex in " + json);
    }
    return Long.parseLong(m.group(1));
  }

  /** tcx links that process {@code pid} holds on an ifindex. */
  static List<BpfFds.Link> tcxLinks(long pid, long ifindex) {
    return BpfFds.links(pid).stream()
        .filter(l -> l.type().equals("tcx") && l.ifindex() == ifindex)
        .toList();
  }

  private static String names(String json) {
    StringBuilder out = new StringBuilder();
    Matcher m = Pattern.compile("\"name\":\"(tm_[a-z_]+)\"").matcher(json);
    while (m.find()) {
      out.append(m.group(1)).append(' ');
    }
    return out.toString().trim();
  }
}
