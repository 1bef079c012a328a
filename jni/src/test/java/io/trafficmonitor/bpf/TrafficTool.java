package io.trafficmonitor.bpf;

import java.io.File;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;

/**
 * A sender run as its own process (so it can live in its own cgroup):
 *
 * <pre>
 * udp SRC SPORT DST DPORT COUNT SIZE   COUNT datagrams of SIZE payload bytes
 * tcp DST DPORT BYTES                  one connection carrying BYTES, then close
 * tcphold DST DPORT BYTES HOLD_MS      prints its local port first, sends BYTES, stays open
 *                                      HOLD_MS, then closes
 * churn DST DPORT N HOLD_MS            N connections one after the other, each open HOLD_MS;
 *                                      prints the mean measured hold in microseconds
 * serve ADDR PORT N                    prints "ready" once listening, then accepts N connections
 *                                      one at a time, reading each to its end before closing it
 * </pre>
 */
public final class TrafficTool {
  private TrafficTool() {}

  /**
   * The command line that runs this tool with {@code args} in a new JVM (this JVM's java and the
   * test classes), for a shell that first moves it into a cgroup, a namespace or onto a CPU.
   */
  public static String commandLine(String args) {
    try {
      String java = ProcessHandle.current().info().command().orElse("java");
      String cp =
          new File(TrafficTool.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .getPath();
      return java
          + " -Xshare:auto -XX:TieredStopAtLevel=1 -cp "
          + cp
          + " "
          + TrafficTool.class.getName()
          + " "
          + args;
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

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
      case "tcphold" -> {
        try (Socket c = new Socket()) {
          c.connect(new InetSocketAddress(args[1], Integer.parseInt(args[2])), 5000);
          System.out.println(c.getLocalPort());
          System.out.flush();
          OutputStream out = c.getOutputStream();
          byte[] chunk = new byte[16384];
          for (long left = Long.parseLong(args[3]); left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            out.write(chunk, 0, n);
            left -= n;
          }
          Thread.sleep(Long.parseLong(args[4]));
          c.shutdownOutput();
          c.setSoTimeout(10000);
          c.getInputStream().read();
        }
      }
      case "churn" -> {
        int n = Integer.parseInt(args[3]);
        long holdMs = Long.parseLong(args[4]);
        long totalNanos = 0;
        for (int i = 0; i < n; i++) {
          Socket c = new Socket();
          c.connect(new InetSocketAddress(args[1], Integer.parseInt(args[2])), 5000);
          long t0 = System.nanoTime();
          Thread.sleep(holdMs);
          totalNanos += System.nanoTime() - t0;
          c.close();
        }
        System.out.println(totalNanos / n / 1000);
      }
      case "serve" -> {
        try (ServerSocket ss = new ServerSocket()) {
          ss.bind(new InetSocketAddress(args[1], Integer.parseInt(args[2])), 64);
          ss.setSoTimeout(20000);
          System.out.println("ready");
          System.out.flush();
          byte[] buf = new byte[65536];
          for (int i = Integer.parseInt(args[3]); i > 0; i--) {
            try (Socket c = ss.accept()) {
              c.setSoTimeout(20000);
              while (c.getInputStream().read(buf) >= 0) {
                // drain
              }
            }
          }
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
