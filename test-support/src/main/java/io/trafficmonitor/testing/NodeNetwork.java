package io.trafficmonitor.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Nodes as network namespaces. Node {@code i} (0-based) is netns {@code tm-<name>} with an {@code
 * eth0} on the node link ({@code 10.250.0.<i+1>/24}, a veth into a shared link namespace with a
 * bridge) and a bridge {@code cni0} ({@code 10.244.<i+1>.1/24}) for its pods; each node routes the
 * other nodes' pod ranges over eth0. This stands in for the CNI: pod traffic between nodes crosses
 * both nodes' eth0, as it would on a flat routed network.
 */
public final class NodeNetwork implements AutoCloseable {
  public static final String LINK_NS = "tm-link";

  private final List<Node> nodes = new ArrayList<>();

  /** One node of the rig. */
  public record Node(String name, int index) {
    public String netns() {
      return "tm-" + name;
    }

    public Path netnsPath() {
      return Path.of("/var/run/netns", netns());
    }

    public String address() {
      return "10.250.0." + (index + 1);
    }

    public String podCidr() {
      return "10.244." + (index + 1) + ".0/24";
    }

    public String gateway() {
      return "10.244." + (index + 1) + ".1";
    }

    /** Runs a command in this node's network namespace (only: /sys and cgroups stay visible). */
    public String exec(String command) {
      return Sh.ok("nsenter --net=" + netnsPath() + " " + command);
    }
  }

  private NodeNetwork() {}

  /** Creates the nodes; any left over from a killed run of the same names are removed first. */
  public static NodeNetwork create(String... names) {
    Requirements.requireRoot();
    NodeNetwork net = new NodeNetwork();
    try {
      for (int i = 0; i < names.length; i++) {
        net.nodes.add(new Node(names[i], i));
      }
      net.close();
      Sh.ok(
          "ip netns add "
              + LINK_NS
              + " && ip -n "
              + LINK_NS
              + " link add br0 type bridge"
              + " && ip -n "
              + LINK_NS
              + " link set br0 up && ip -n "
              + LINK_NS
              + " link set lo up");
      for (Node n : net.nodes) {
        String ip = "ip -n " + n.netns() + " ";
        Sh.ok(
            String.join(
                " && ",
                "ip netns add " + n.netns(),
                "ip link add eth0 netns "
                    + n.netns()
                    + " type veth peer name n-"
                    + n.name()
                    + " netns "
                    + LINK_NS,
                "ip -n " + LINK_NS + " link set n-" + n.name() + " master br0 up",
                ip + "addr add " + n.address() + "/24 dev eth0",
                ip + "link set lo up",
                ip + "link set eth0 up",
                ip + "link add cni0 type bridge",
                ip + "addr add " + n.gateway() + "/24 dev cni0",
                ip + "link set cni0 up",
                "nsenter --net=" + n.netnsPath() + " sysctl -qw net.ipv4.ip_forward=1"));
      }
      for (Node n : net.nodes) {
        for (Node other : net.nodes) {
          if (other != n) {
            Sh.ok(
                "ip -n " + n.netns() + " route add " + other.podCidr() + " via " + other.address());
          }
        }
      }
      return net;
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
  }

  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  public Node node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
  }

  @Override
  public void close() {
    for (Node n : nodes) {
      Sh.quiet("ip netns del " + n.netns());
    }
    Sh.quiet("ip netns del " + LINK_NS);
  }
}
