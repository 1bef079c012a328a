package io.trafficmonitor.agent;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * Traffic of a test pod, run as its own process so that its sockets belong to the pod's cgroup:
 *
 * <pre>
 * send SRC SPORT DST DPORT COUNT SIZE [SKIP]
 *                                       COUNT datagrams of SIZE payload bytes; with SKIP (a
 *                                       comma list, may be empty: "-"), each payload starts with
 *                                       a 32-bit sequence number, counting from 0 and leaving
 *                                       out the numbers in SKIP
 * recv ADDR PORT COUNT                  prints READY, then receives COUNT datagrams (10 s max)
 * serve ADDR PORT COUNT                 prints READY, accepts COUNT TCP connections, reads each
 *                                       to its end, prints the bytes read (10 s max)
 * connect SRC DST PORT COUNT BYTES HOLD COUNT TCP connections one after the other: each sends
 *                                       BYTES, stays open HOLD ms, closes
 * stall ADDR PORT RCVBUF HOLD           prints READY, accepts one TCP connection on a socket of
 *                                       SO_RCVBUF RCVBUF, reads nothing for HOLD ms (its window
 *                                       goes to zero), then reads to the end, prints the bytes
 * flood SRC DST PORT BYTES              one TCP connection that sends BYTES (blocked while the
 *                                       peer's window is zero), closes
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
          Set<Integer> skip = new HashSet<>();
          boolean numbered = args.length > 7;
          if (numbered && !args[7].equals("-")) {
            for (String n : args[7].split(",")) {
              skip.add(Integer.parseInt(n));
            }
          }
          int seq = 0;
          for (int i = 0; i < count; i++) {
            byte[] payload = new byte[size];
            if (numbered) {
              while (skip.contains(seq)) {
                seq++;
              }
              ByteBuffer.wrap(payload).putInt(0, seq++);
            }
            s.send(new DatagramPacket(payload, size, to, port));
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
      case "serve" -> {
        try (ServerSocket ss = new ServerSocket()) {
          ss.bind(new InetSocketAddress(args[1], Integer.parseInt(args[2])));
          ss.setSoTimeout(10_000);
          System.out.println("READY");
          System.out.flush();
          long total = 0;
          byte[] buf = new byte[65536];
          for (int i = 0; i < Integer.parseInt(args[3]); i++) {
            try (Socket c = ss.accept()) {
              c.setSoTimeout(10_000);
              for (int r; (r = c.getInputStream().read(buf)) >= 0; ) {
                total += r;
              }
            }
          }
          System.out.println(total);
        }
      }
      case "connect" -> {
        int count = Integer.parseInt(args[4]);
        byte[] data = new byte[Integer.parseInt(args[5])];
        long hold = Long.parseLong(args[6]);
        for (int i = 0; i < count; i++) {
          try (Socket c = new Socket()) {
            c.bind(new InetSocketAddress(args[1], 0));
            c.connect(new InetSocketAddress(args[2], Integer.parseInt(args[3])), 5000);
            c.getOutputStream().write(data);
            c.getOutputStream().flush();
            Thread.sleep(hold);
          }
        }
      }
      case "stall" -> {
        try (ServerSocket ss = new ServerSocket()) {
          ss.setReceiveBufferSize(Integer.parseInt(args[3])); // before bind: the SYN-ACK's window
          ss.bind(new InetSocketAddress(args[1], Integer.parseInt(args[2])));
          ss.setSoTimeout(10_000);
          System.out.println("READY");
          System.out.flush();
          long total = 0;
          byte[] buf = new byte[65536];
          try (Socket c = ss.accept()) {
            Thread.sleep(Long.parseLong(args[4]));
            c.setSoTimeout(10_000);
            for (int r; (r = c.getInputStream().read(buf)) >= 0; ) {
              total += r;
            }
          }
          System.out.println(total);
        }
      }
      case "flood" -> {
        try (Socket c = new Socket()) {
          c.bind(new InetSocketAddress(args[1], 0));
          c.connect(new InetSocketAddress(args[2], Integer.parseInt(args[3])), 5000);
          byte[] chunk = new byte[65536];
          for (long left = Long.parseLong(args[4]); left > 0; left -= chunk.length) {
            c.getOutputStream().write(chunk, 0, (int) Math.min(left, chunk.length));
          }
          c.getOutputStream().flush();
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
