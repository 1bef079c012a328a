package io.trafficmonitor.trafficgen;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;

/**
 * The sending side: UDP datagrams, TCP streams or HTTP/1.1 requests (over TLS for https), paced and
 * counted.
 */
final class Clients {
  private final Options o;
  private final Counters c;
  private final long deadline;
  private final long byteLimit;
  private final AtomicLong budget = new AtomicLong();
  private final Pacer pacer;
  private final SSLContext tls;

  Clients(Options o, Counters c) throws GeneralSecurityException {
    this.o = o;
    this.c = c;
    this.tls = o.protocol().equals("https") ? Tls.clientContext(o.insecure()) : null;
    this.deadline =
        o.duration() == null ? Long.MAX_VALUE : System.nanoTime() + o.duration().toNanos();
    this.byteLimit = o.byteLimit();
    this.pacer = new Pacer(o.rateBitsPerSecond());
  }

  void run() throws Exception {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < o.connections(); i++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  switch (o.protocol()) {
                    case "udp" -> udp();
                    case "tcp" -> tcp();
                    default -> http();
                  }
                } catch (IOException e) {
                  c.errors.incrementAndGet();
                  System.err.println("trafficgen: " + e);
                }
              },
              "client-" + i);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  /** Claims the next message of {@code size} bytes, or returns 0 when the limits are reached. */
  private int claim(int size) {
    if (System.nanoTime() >= deadline) {
      return 0;
    }
    while (true) {
      long used = budget.get();
      long n = byteLimit == 0 ? size : Math.min(size, byteLimit - used);
      if (n <= 0) {
        return 0;
      }
      if (budget.compareAndSet(used, used + n)) {
        synchronized (pacer) {
          pacer.await(n);
        }
        if (!o.latency().isZero()) {
          LockSupport.parkNanos(o.latency().toNanos());
        }
        return (int) n;
      }
    }
  }

  private void udp() throws IOException {
    int ipHeader = o.address().getAddress() instanceof Inet6Address ? 40 : 20;
    try (DatagramChannel ch = DatagramChannel.open()) {
      ch.connect(o.address());
      c.connections.incrementAndGet();
      ByteBuffer buf = ByteBuffer.allocateDirect(o.size());
      int n;
      long seq = 0;
      while ((n = claim(o.size())) > 0) {
        buf.clear().limit(n);
        if (o.sequenceOffset() >= 0) {
          if (o.skipEvery() > 0 && seq % o.skipEvery() == o.skipEvery() - 1) {
            seq++; // this number is never sent: a gap of one
            c.skipped.incrementAndGet();
          }
          buf.putInt(o.sequenceOffset(), (int) seq++);
        }
        int sent = ch.write(buf);
        c.add(sent, sent + 8L + ipHeader);
      }
    }
  }

  private void tcp() throws IOException {
    try (Socket s = new Socket(o.address().getAddress(), o.address().getPort())) {
      c.connections.incrementAndGet();
      OutputStream out = s.getOutputStream();
      byte[] chunk = new byte[o.size()];
      int n;
      while ((n = claim(o.size())) > 0) {
        out.write(chunk, 0, n);
        c.add(n, 0);
      }
      out.flush();
      s.shutdownOutput();
      s.getInputStream().read(); // wait for the server's close: everything was received
    }
  }

  /** HTTP/1.1 or, for https, HTTP/1.1 over TLS; payloadBytes counts the HTTP bytes. */
  private void http() throws IOException {
    Socket plain = new Socket(o.address().getAddress(), o.address().getPort());
    plain.setTcpNoDelay(true);
    try (Socket s = tls == null ? plain : Tls.connect(plain, o, tls)) {
      c.connections.incrementAndGet();
      OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
      InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
      byte[] body = new byte[o.size()];
      int n;
      while ((n = claim(o.size())) > 0) {
        byte[] head =
            ("POST / HTTP/1.1\r\nHost: "
                    + o.address().getHostString()
                    + "\r\nContent-Length: "
                    + n
                    + "\r\nX-Response-Size: "
                    + o.responseSize()
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        out.write(head);
        out.write(body, 0, n);
        out.flush();
        c.add(head.length + n, 0);
        long got = Http.readMessage(in, null);
        if (got < 0) {
          throw new IOException("server closed the connection");
        }
        c.responses.incrementAndGet();
        c.responseBytes.addAndGet(got);
      }
    }
  }
}
