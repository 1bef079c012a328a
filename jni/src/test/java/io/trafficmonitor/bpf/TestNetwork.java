package io.trafficmonitor.bpf;

import io.trafficmonitor.testing.Sh;
import java.net.NetworkInterface;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two network namespaces joined by a veth pair: {@code a} (veth {@code va}, 10.200.N.1/24,
 * fd00:200:N::1/64) and {@code b} (veth {@code vb}, 10.200.N.2/24, fd00:200:N::2/64). Closing
 * deletes both namespaces (and with them the veths).
 */
public final class TestNetwork implements AutoCloseable {
  public final int subnet;
  public final String nsA;
  public final String nsB;
  public final String ipA;
  public final String ipB;
  public final String ip6A;
  public final String ip6B;

  public TestNetwork(String tag) {
    subnet = ThreadLocalRandom.current().nextInt(10, 250);
    String id = tag + subnet;
    nsA = "tm-" + id + "-a";
    nsB = "tm-" + id + "-b";
    ipA = "10.200." + subnet + ".1";
    ipB = "10.200." + subnet + ".2";
    ip6A = "fd00:200:" + subnet + "::1";
    ip6B = "fd00:200:" + subnet + "::2";
    close();
    Sh.ok("ip netns add " + nsA + " && ip netns add " + nsB);
    String macA = String.format("02:00:00:00:%02x:01", subnet);
    String macB = String.format("02:00:00:00:%02x:02", subnet);
    String a = "ip -n " + nsA + " ";
    String b = "ip -n " + nsB + " ";
    Sh.ok(
        String.join(
            " && ",
            "ip link add va address "
                + macA
                + " netns "
                + nsA
                + " type veth peer name vb address "
                + macB
                + " netns "
                + nsB,
            a + "addr add " + ipA + "/24 dev va",
            b + "addr add " + ipB + "/24 dev vb",
            a + "addr add " + ip6A + "/64 dev va nodad",
            b + "addr add " + ip6B + "/64 dev vb nodad",
            // static neighbours: no ARP or ND interleaves with measured traffic
            a + "neigh replace " + ipB + " lladdr " + macB + " dev va nud permanent",
            b + "neigh replace " + ipA + " lladdr " + macA + " dev vb nud permanent",
            a + "neigh replace " + ip6B + " lladdr " + macB + " dev va nud permanent",
            b + "neigh replace " + ip6A + " lladdr " + macA + " dev vb nud permanent",
            a + "link set lo up",
            b + "link set lo up",
            a + "link set va up",
            b + "link set vb up"));
  }

  public Path pathA() {
    return Path.of("/var/run/netns", nsA);
  }

  public Path pathB() {
    return Path.of("/var/run/netns", nsB);
  }

  public int ifindexA() throws Exception {
    return NetNs.callIn(pathA(), () -> NetworkInterface.getByName("va").getIndex());
  }

  public int ifindexB() throws Exception {
    return NetNs.callIn(pathB(), () -> NetworkInterface.getByName("vb").getIndex());
  }

  /**
   * What namespace a's kernel counted of losses so far: TCP segments it retransmitted ({@code Tcp
   * RetransSegs} of its /proc/net/snmp) and frames its veth dropped after the egress hooks saw them
   * ({@code tx dropped}: the peer's backlog was full). Either makes what crossed a hook differ from
   * what the sockets exchanged.
   */
  public Losses lossesOfA() {
    long retransmitted = snmp(pathA(), "Tcp", "RetransSegs");
    Matcher m = TX_DROPPED.matcher(Sh.ok("ip -n " + nsA + " -s -j link show va"));
    if (!m.find()) {
      throw new IllegalStateException("no tx dropped counter for va in " + nsA);
    }
    return new Losses(retransmitted, Long.parseLong(m.group(1)));
  }

  /** A counter of /proc/net/snmp (e.g. "Tcp", "RetransSegs") as namespace ns counts it. */
  public static long snmp(Path ns, String group, String field) {
    List<String> rows =
        Sh.ok("nsenter --net=" + ns + " cat /proc/net/snmp")
            .lines()
            .filter(l -> l.startsWith(group + ":"))
            .toList();
    List<String> names = Arrays.asList(rows.get(0).split("\\s+"));
    return Long.parseLong(rows.get(1).split("\\s+")[names.indexOf(field)]);
  }

  private static final Pattern TX_DROPPED = Pattern.compile("\"tx\":\\{[^}]*\"dropped\":(\\d+)");

  /** Counters of {@link #lossesOfA()}; {@link #since} gives a transfer's own. */
  public record Losses(long retransmittedSegments, long droppedFrames) {
    public Losses since(Losses before) {
      return new Losses(
          retransmittedSegments - before.retransmittedSegments,
          droppedFrames - before.droppedFrames);
    }

    public boolean none() {
      return retransmittedSegments == 0 && droppedFrames == 0;
    }
  }

  /** Runs a command inside netns a (network only: /sys and cgroups stay visible). */
  public String inA(String cmd) {
    return Sh.ok("nsenter --net=" + pathA() + " " + cmd);
  }

  @Override
  public void close() {
    Sh.quiet("ip netns del " + nsA + " 2>/dev/null; ip netns del " + nsB + " 2>/dev/null");
  }
}
