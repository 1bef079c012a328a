package io.trafficmonitor.agent;

import io.trafficmonitor.bpf.NetNs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reaching into a network namespace from the test's own: a socket made while the thread is in the
 * namespace stays there. {@link Forward} gives a process inside (an agent that runs in its node's
 * namespace, as a hostNetwork pod would) the API server that listens on the host's loopback.
 */
final class InNetns {
  private InNetns() {}

  /**
   * GET http://127.0.0.1:port/path inside the namespace, with {@code token} as the bearer (none
   * when null); the body of a 200 reply.
   */
  static String httpGet(Path netns, int port, String path, String token) throws Exception {
    try (Socket s = NetNs.callIn(netns, () -> new Socket(InetAddress.getLoopbackAddress(), port))) {
      s.setSoTimeout(10_000);
      String authorization = token == null ? "" : "Authorization: Bearer " + token + "\r\n";
      s.getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n" + authorization + "\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int body = reply.indexOf("\r\n\r\n");
      String status = reply.lines().findFirst().orElse("");
      if (!status.contains(" 200 ") || body < 0) {
        throw new IllegalStateException(path + ": " + status);
      }
      return reply.substring(body + 4);
    }
  }

  /** Listens on 127.0.0.1 of a namespace and forwards each connection to {@code target}. */
  static final class Forward implements AutoCloseable {
    final int port;
    private final ServerSocket server;
    private final InetSocketAddress target;

    Forward(Path netns, InetSocketAddress target) throws Exception {
      this.target = target;
      this.server =
          NetNs.callIn(netns, () -> new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
      this.port = server.getLocalPort();
      daemon("tm-forward-accept", this::accept).start();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket in = server.accept();
          Socket out = new Socket(target.getAddress(), target.getPort());
          daemon("tm-forward-up", () -> pump(in, out)).start();
          daemon("tm-forward-down", () -> pump(out, in)).start();
        } catch (IOException e) {
          // closed, or the target refused: the client sees its connection end
        }
      }
    }

    private static void pump(Socket from, Socket to) {
      try (InputStream in = from.getInputStream()) {
        OutputStream out = to.getOutputStream();
        in.transferTo(out);
        to.shutdownOutput();
      } catch (IOException e) {
        // either side went away
      } finally {
        try {
          to.close();
        } catch (IOException e) {
          // nothing left to do
        }
      }
    }

    private static Thread daemon(String name, Runnable r) {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
