package io.trafficmonitor.agent;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Traffic of a test pod, run as its own process so that its sockets belong to the pod's cgroup:
 *
 * <pre>
 * send SRC SPORT DST DPORT COUNT SIZE   COUNT datagrams of SIZE payload bytes
 * recv ADDR PORT COUNT                  prints READY, then receives COUNT datagrams (10 s max)
 * </pre>
 */
public final class PodTraffic {
  private PodTraffic() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "send" -> {
        try (DatagramSocket s =
            new DatagramSocket(new InetSocketAddress(args[1], Integer.parseInt(args[2])))) {
          InetAddress to = InetAddress.getByName(args[3]);
          int port = Integer.parseInt(args[4]);
          int count = Integer.parseInt(args[5]);
          int size = Integer.parseInt(args[6]);
          for (int i = 0; i < count; i++) {
            s.send(new DatagramPacket(new byte[size], size, to, port));
            if (i % 16 == 15) {
              Thread.sleep(1); // stay below the receiver's socket buffer
            }
          }
        }
      }
      case "recv" -> {
        try (DatagramSocket s =
            new DatagramSocket(new InetSocketAddress(args[1], Integer.parseInt(args[2])))) {
          s.setReceiveBufferSize(4 << 20);
          s.setSoTimeout(10_000);
          System.out.println("READY");
          System.out.flush();
          int count = Integer.parseInt(args[3]);
          byte[] buf = new byte[65536];
          int n = 0;
          try {
            for (; n < count; n++) {
              s.receive(new DatagramPacket(buf, buf.length));
            }
          } finally {
            System.out.println(n);
          }
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
