package io.trafficmonitor.bpf;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Traffic of known size between namespaces; sockets are made inside the namespace. */
public final class Traffic {
  private Traffic() {}

  /** A UDP socket bound in ns; receive() waits at most 5 s per datagram. */
  public static DatagramSocket udpSocket(Path ns, String addr, int port) throws Exception {
    return NetNs.callIn(
        ns,
        () -> {
          DatagramSocket s = new DatagramSocket(new InetSocketAddress(addr, port));
          s.setSoTimeout(5000);
          s.setReceiveBufferSize(4 << 20);
          return s;
        });
  }

  /** Sends one datagram per size (payload bytes) from a socket bound in ns. */
  public static void udpSend(Path ns, String src, int sport, String dst, int dport, int[] sizes)
      throws Exception {
    try (DatagramSocket s = udpSocket(ns, src, sport)) {
      InetAddress to = InetAddress.getByName(dst);
      for (int size : sizes) {
        s.send(new DatagramPacket(new byte[size], size, to, dport));
      }
    }
  }

  /** Receives exactly sizes.length datagrams in the background (started before sending). */
  public static CompletableFuture<Void> udpReceiveAsync(DatagramSocket s, int[] sizes) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            udpReceive(s, sizes);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** Sends from ns a socket bound there while rx receives them concurrently; waits for all. */
  public static void udpExchange(
      DatagramSocket rx, Path ns, String src, int sport, String dst, int dport, int[] sizes)
      throws Exception {
    CompletableFuture<Void> got = udpReceiveAsync(rx, sizes);
    udpSend(ns, src, sport, dst, dport, sizes);
    got.get(30, TimeUnit.SECONDS);
  }

  /** Receives exactly sizes.length datagrams (fails on a timeout). */
  public static void udpReceive(DatagramSocket s, int[] sizes) throws Exception {
    byte[] buf = new byte[65536];
    for (int size : sizes) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      if (p.getLength() != size) {
        throw new IllegalStateException("received " + p.getLength() + " bytes, sent " + size);
      }
    }
  }

  /** Result of a TCP transfer: the client's ephemeral port and the bytes the server read. */
  public record TcpResult(int clientPort, long received) {}

  /** Client in nsClient sends bytes to a server in nsServer, then closes; waits for the end. */
  public static TcpResult tcpTransfer(
      Path nsClient, Path nsServer, String serverAddr, int port, long bytes) throws Exception {
    try (ServerSocket server =
        NetNs.callIn(
            nsServer,
            () -> {
              ServerSocket ss = new ServerSocket();
              ss.bind(new InetSocketAddress(serverAddr, port));
              ss.setSoTimeout(10000);
              return ss;
            })) {
      CompletableFuture<Long> received =
          CompletableFuture.supplyAsync(
              () -> {
                try (Socket c = server.accept();
                    InputStream in = c.getInputStream()) {
                  c.setSoTimeout(10000);
                  byte[] buf = new byte[65536];
                  long n = 0;
                  for (int r; (r = in.read(buf)) >= 0; ) {
                    n += r;
                  }
                  return n;
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      int clientPort =
          NetNs.callIn(
              nsClient,
              () -> {
                try (Socket c = new Socket()) {
                  c.connect(new InetSocketAddress(serverAddr, port), 5000);
                  OutputStream out = c.getOutputStream();
                  byte[] chunk = new byte[16384];
                  for (long left = bytes; left > 0; ) {
                    int n = (int) Math.min(chunk.length, left);
                    out.write(chunk, 0, n);
                    left -= n;
                  }
                  out.flush();
                  c.shutdownOutput();
                  // wait for the server's FIN so every segment has left
                  c.setSoTimeout(10000);
                  c.getInputStream().read();
                  return c.getLocalPort();
                }
              });
      return new TcpResult(clientPort, received.get(20, TimeUnit.SECONDS));
    }
  }
}
