package io.trafficmonitor.trafficgen;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * The receiving side: counts what arrives; for HTTP and HTTPS, answers each request after {@code
 * --latency}.
 */
final class Servers {
  private final Options o;
  private final Counters c;
  private volatile boolean stopped;

  Servers(Options o, Counters c) {
    this.o = o;
    this.c = c;
  }

  private volatile Closeable listener;

  void stop() {
    stopped = true;
    Closeable l = listener;
    if (l != null) {
      try {
        l.close(); // wakes a blocked receive
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  /** Serves until {@link #stop()}; prints LISTENING with the bound address once ready. */
  void run() throws IOException, GeneralSecurityException {
    if (o.protocol().equals("udp")) {
      udp();
    } else {
      stream();
    }
  }

  private void udp() throws IOException {
    try (DatagramChannel ch = DatagramChannel.open()) {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
      ch.bind(o.address());
      listener = ch;
      listening(ch.getLocalAddress());
      ByteBuffer buf = ByteBuffer.allocateDirect(65536);
      int ipHeader = o.address().getAddress() instanceof Inet6Address ? 40 : 20;
      while (!stopped) {
        buf.clear();
        try {
          ch.receive(buf);
        } catch (AsynchronousCloseException e) {
          return;
        }
        c.add(buf.position(), buf.position() + 8L + ipHeader);
      }
    }
  }

  private void stream() throws IOException, GeneralSecurityException {
    try (ServerSocket server =
        o.protocol().equals("https")
            ? Tls.serverSockets(o.quiet()).createServerSocket()
            : new ServerSocket()) {
      server.bind(o.address(), 128);
      server.setSoTimeout(200);
      listening(server.getLocalSocketAddress());
      while (!stopped) {
        Socket s;
        try {
          s = server.accept();
        } catch (SocketTimeoutException e) {
          continue;
        }
        c.connections.incrementAndGet();
        Thread t =
            new Thread(
                () -> {
                  try (s) {
                    if (o.protocol().equals("tcp")) {
                      drain(s);
                    } else {
                      answer(s);
                    }
                  } catch (IOException e) {
                    c.errors.incrementAndGet();
                  }
                },
                "conn-" + c.connections.get());
        t.setDaemon(true);
        t.start();
      }
    }
  }

  private void drain(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    byte[] buf = new byte[65536];
    int n;
    while ((n = in.read(buf)) > 0) {
      c.add(n, 0);
    }
  }

  private void answer(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    if (s instanceof SSLSocket tls && !handshake(tls)) {
      return;
    }
    InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
    OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
    while (true) {
      Map<String, String> headers = new HashMap<>();
      long got = Http.readMessage(in, headers);
      if (got < 0) {
        return;
      }
      c.add(got, 0);
      if (!o.latency().isZero()) {
        LockSupport.parkNanos(o.latency().toNanos());
      }
      int size = Integer.parseInt(headers.getOrDefault("x-response-size", "" + o.responseSize()));
      byte[] head =
          ("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      out.write(head);
      out.write(new byte[size]);
      out.flush();
      c.responses.incrementAndGet();
      c.responseBytes.addAndGet(head.length + size);
    }
  }

  /**
   * The TLS handshake; false when the peer closed before it began, as a TCP readiness probe does
   * (like a plain connection closed before a request: not an error).
   */
  private static boolean handshake(SSLSocket s) throws IOException {
    try {
      s.startHandshake();
      return true;
    } catch (SSLException e) {
      if (e.getCause() instanceof EOFException) {
        return false;
      }
      throw e;
    }
  }

  private static void listening(SocketAddress a) {
    InetSocketAddress i = (InetSocketAddress) a;
    System.out.println("LISTENING " + i.getHostString() + ":" + i.getPort());
    System.out.flush();
  }
}
