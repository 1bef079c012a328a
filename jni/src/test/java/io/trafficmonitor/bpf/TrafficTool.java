package io.trafficmonitor.bpf;

import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A sender run as its own process (so it can live in its own cgroup):
 *
 * <pre>
 * udp SRC SPORT DST DPORT COUNT SIZE   COUNT datagrams of SIZE payload bytes
 * tcp DST DPORT BYTES                  one connection carrying BYTES, then close
 * </pre>
 */
public final class TrafficTool {
  private TrafficTool() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "udp" -> {
        try (DatagramSocket s =
            new DatagramSocket(new InetSocketAddress(args[1], Integer.parseInt(args[2])))) {
          InetAddress to = InetAddress.getByName(args[3]);
          int count = Integer.parseInt(args[5]);
          int size = Integer.parseInt(args[6]);
          for (int i = 0; i < count; i++) {
            s.send(new DatagramPacket(new byte[size], size, to, Integer.parseInt(args[4])));
          }
        }
      }
      case "tcp" -> {
        try (Socket c = new Socket()) {
          c.connect(new InetSocketAddress(args[1], Integer.parseInt(args[2])), 5000);
          OutputStream out = c.getOutputStream();
          byte[] chunk = new byte[16384];
          for (long left = Long.parseLong(args[3]); left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            out.write(chunk, 0, n);
            left -= n;
          }
          c.shutdownOutput();
          c.setSoTimeout(10000);
          c.getInputStream().read();
          System.out.println(c.getLocalPort());
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
