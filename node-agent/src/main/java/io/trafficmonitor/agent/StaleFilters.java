package io.trafficmonitor.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Removes what a killed agent can leave behind. tcx and cgroup links die with the process that
 * holds them (nothing is pinned), but a clsact filter (the TC fallback of kernels without tcx, or
 * TC_MODE=clsact) belongs to its qdisc and outlives its agent. At start-up, a {@code tm_tc_*}
 * filter on an interface of the node whose program no live process holds is such a leftover and is
 * deleted. Programs of live agents (of other monitors) are held by their processes, so theirs stay
 * (this needs the host's PID namespace, which the pod resolver needs too).
 */
public final class StaleFilters {
  private static final Logger LOG = Logger.getLogger(StaleFilters.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PROG_ID = Pattern.compile("prog_id:\\s*([0-9]+)");

  private StaleFilters() {}

  /** One clsact filter of ours. */
  record Filter(String dev, String hook, int pref, String handle, long programId) {}

  /** Deletes leftover filters on the node's interfaces; returns how many. */
  public static int clean(Optional<Path> nodeNetns, Path proc) {
    List<Filter> ours = new ArrayList<>();
    for (Links.Link l : Links.list(nodeNetns)) {
      for (String hook : List.of("ingress", "egress")) {
        try {
          ours.addAll(
              parse(
                  l.name(),
                  hook,
                  Links.run(
                      nodeNetns, List.of("tc", "-json", "filter", "show", "dev", l.name(), hook))));
        } catch (IllegalStateException e) {
          // no clsact qdisc on this interface
        }
      }
    }
    if (ours.isEmpty()) {
      return 0;
    }
    Set<Long> held = heldPrograms(proc);
    int removed = 0;
    for (Filter f : ours) {
      if (held.contains(f.programId())) {
        continue;
      }
      try {
        Links.run(
            nodeNetns,
            List.of(
                "tc",
                "filter",
                "del",
                "dev",
                f.dev(),
                f.hook(),
                "pref",
                Integer.toString(f.pref()),
                "handle",
                f.handle(),
                "bpf"));
        LOG.infof(
            "removed a clsact filter left by a previous agent: %s %s (program %d)",
            f.dev(), f.hook(), f.programId());
        removed++;
      } catch (IllegalStateException e) {
        LOG.warnf("cannot remove stale filter %s: %s", f, e.getMessage());
      }
    }
    return removed;
  }

  /** Our filters in {@code tc -json filter show} output. */
  static List<Filter> parse(String dev, String hook, String json) {
    List<Filter> out = new ArrayList<>();
    if (json.isBlank()) {
      return out;
    }
    try {
      for (JsonNode f : JSON.readTree(json)) {
        JsonNode o = f.path("options");
        String name = o.path("bpf_name").asText(o.path("prog").path("name").asText(""));
        if (!"bpf".equals(f.path("kind").asText()) || !name.startsWith("tm_tc_")) {
          continue;
        }
        String handle = o.path("handle").asText(f.path("handle").asText(""));
        long id = o.path("prog").path("id").asLong(0);
        if (handle.isEmpty() || id == 0) {
          continue;
        }
        out.add(new Filter(dev, hook, f.path("pref").asInt(), handle, id));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot parse tc output: " + e.getMessage(), e);
    }
    return out;
  }

  /** Program ids that live processes hold (file descriptors of programs and links). */
  static Set<Long> heldPrograms(Path procRoot) {
    Set<Long> ids = new HashSet<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(procRoot, "[0-9]*")) {
      for (Path proc : procs) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
          for (Path fd : fds) {
            String target;
            try {
              target = Files.readSymbolicLink(fd).toString();
            } catch (IOException e) {
              continue;
            }
            if (target.equals("anon_inode:bpf-prog") || target.equals("anon_inode:bpf_link")) {
              try {
                Matcher m =
                    PROG_ID.matcher(
                        Files.readString(proc.resolve("fdinfo").resolve(fd.getFileName())));
                if (m.find()) {
                  ids.add(Long.parseLong(m.group(1)));
                }
              } catch (IOException e) {
                // closed meanwhile
              }
            }
          }
        } catch (IOException e) {
          // the process exited, or is not ours to look into
        }
      }
    } catch (IOException e) {
      LOG.warnf("cannot list /proc: %s", e.getMessage());
    }
    return ids;
  }
}
