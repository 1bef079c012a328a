package io.trafficmonitor.agent;

import io.trafficmonitor.testing.Sh;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The BPF objects a process holds, from /proc/PID/fdinfo: its links (type, ifindex or cgroup id,
 * program id) and programs. This bpftool (7.1) does not list tcx links by interface, the kernel's
 * fdinfo does.
 */
final class BpfFds {
  private static final Pattern ID = Pattern.compile("[0-9]+");

  private BpfFds() {}

  /** One bpf_link of the process. */
  record Link(String type, long ifindex, long cgroupId, long programId, String attachType) {}

  static List<Link> links(long pid) {
    List<Link> out = new ArrayList<>();
    for (Map<String, String> info : fdinfos(pid, "bpf_link")) {
      out.add(
          new Link(
              info.getOrDefault("link_type", ""),
              num(info.get("ifindex")),
              num(info.get("cgroup_id")),
              num(info.get("prog_id")),
              info.getOrDefault("attach_type", "")));
    }
    return out;
  }

  /** Programs the process holds, directly or through its links. */
  static Set<Long> programIds(long pid) {
    Set<Long> ids = new HashSet<>();
    for (Map<String, String> info : fdinfos(pid, "bpf-prog")) {
      ids.add(num(info.get("prog_id")));
    }
    for (Link l : links(pid)) {
      ids.add(l.programId());
    }
    return ids;
  }

  /** Ids of every program loaded in the kernel. */
  static Set<Long> loadedProgramIds() {
    Set<Long> ids = new HashSet<>();
    Matcher m = Pattern.compile("\"id\":([0-9]+)").matcher(Sh.quiet("bpftool -j prog show"));
    while (m.find()) {
      ids.add(Long.parseLong(m.group(1)));
    }
    return ids;
  }

  private static List<Map<String, String>> fdinfos(long pid, String kind) {
    List<Map<String, String>> out = new ArrayList<>();
    Path fds = Path.of("/proc", Long.toString(pid), "fd");
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(fds)) {
      for (Path fd : dir) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          continue;
        }
        if (!target.equals("anon_inode:" + kind)) {
          continue;
        }
        Map<String, String> info = new HashMap<>();
        try {
          for (String line :
              Files.readAllLines(
                  Path.of("/proc", Long.toString(pid), "fdinfo", fd.getFileName().toString()))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
              info.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
          }
        } catch (IOException e) {
          continue; // closed meanwhile
        }
        out.add(info);
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  private static long num(String s) {
    if (s == null) {
      return 0;
    }
    Matcher m = ID.matcher(s);
    return m.find() ? Long.parseLong(m.group()) : 0;
  }
}
