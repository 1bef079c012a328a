package io.trafficmonitor.agent.attach;

import io.trafficmonitor.bpf.BpfException;
import io.trafficmonitor.bpf.Netlink;
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
 * (this needs the host's procfs, HOST_PROC). Filters are listed and deleted over rtnetlink.
 */
public final class StaleFilters {
  private static final Logger LOG = Logger.getLogger(StaleFilters.class);
  private static final Pattern PROG_ID = Pattern.compile("prog_id:\\s*([0-9]+)");
  static final String PROGRAM_PREFIX = "tm_tc_";

  private StaleFilters() {}

  /** Deletes leftover filters on the node's interfaces; returns how many. */
  public static int clean(Optional<Path> nodeNetns, Path proc) {
    try (Netlink nl = Netlink.open(nodeNetns)) {
      List<Netlink.TcFilter> ours = new ArrayList<>();
      for (Netlink.Link l : nl.links()) {
        for (boolean ingress : new boolean[] {true, false}) {
          try {
            ours.addAll(ours(nl.tcFilters(l.ifindex(), ingress)));
          } catch (BpfException e) {
            LOG.debugf("cannot list the filters of %s: %s", l.name(), e.getMessage());
          }
        }
      }
      if (ours.isEmpty()) {
        return 0;
      }
      int removed = 0;
      for (Netlink.TcFilter f : stale(ours, heldPrograms(proc))) {
        try {
          nl.deleteTcFilter(f);
          LOG.infof(
              "removed a clsact filter left by a previous agent: ifindex %d %s (program %d)",
              f.ifindex(), f.ingress() ? "ingress" : "egress", f.programId());
          removed++;
        } catch (BpfException e) {
          LOG.warnf("cannot remove stale filter %s: %s", f, e.getMessage());
        }
      }
      return removed;
    }
  }

  /** The filters of ours (programs named tm_tc_*) among {@code filters}. */
  public static List<Netlink.TcFilter> ours(List<Netlink.TcFilter> filters) {
    return filters.stream()
        .filter(f -> f.programName().startsWith(PROGRAM_PREFIX) && f.programId() != 0)
        .toList();
  }

  /** Those of {@code ours} whose program no live process holds. */
  static List<Netlink.TcFilter> stale(List<Netlink.TcFilter> ours, Set<Long> held) {
    return ours.stream().filter(f -> !held.contains((long) f.programId())).toList();
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
