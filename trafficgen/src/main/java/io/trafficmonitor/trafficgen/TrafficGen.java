package io.trafficmonitor.trafficgen;

import java.time.Duration;
import java.util.Locale;

/**
 * trafficgen: sends or receives TCP, UDP, HTTP or HTTPS traffic and says exactly how much.
 *
 * <pre>
 * java -jar trafficgen.jar server --protocol udp --listen 0.0.0.0:5201 [--duration 30s]
 * java -jar trafficgen.jar client --protocol udp --target 10.0.0.2:5201 --rate 10Mbit \
 *     --size 1200 [--connections 4] (--duration 5s | --total 10MB | --count 1000) [--latency 2ms]
 * java -jar trafficgen.jar client --config load.toml [--rate 20Mbit]
 * </pre>
 *
 * Progress goes to stderr once a second; the last line on stdout is {@code SUMMARY {json}}.
 */
public final class TrafficGen {
  private TrafficGen() {}

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("trafficgen: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    System.exit(run(o));
  }

  static int run(Options o) throws Exception {
    Counters c = new Counters();
    long start = System.nanoTime();
    Thread progress = progress(o, c, start);
    if (o.mode().equals("client")) {
      if (o.address().isUnresolved()) {
        System.err.println("trafficgen: cannot resolve " + o.address().getHostString());
        c.errors.incrementAndGet();
      } else {
        new Clients(o, c).run();
      }
    } else {
      Servers s = new Servers(o, c);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> summary(o, c, start), "summary"));
      if (o.duration() != null) {
        Thread timer =
            new Thread(
                () -> {
                  try {
                    Thread.sleep(o.duration().toMillis());
                  } catch (InterruptedException ignored) {
                    // stop now
                  }
                  s.stop();
                },
                "timer");
        timer.setDaemon(true);
        timer.start();
      }
      s.run();
      return 0; // the shutdown hook prints the summary
    }
    progress.interrupt();
    summary(o, c, start);
    return c.errors.get() == 0 ? 0 : 1;
  }

  private static Thread progress(Options o, Counters c, long start) {
    Thread t =
        new Thread(
            () -> {
              long lastBytes = 0;
              long lastMsgs = 0;
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  Thread.sleep(1000);
                } catch (InterruptedException e) {
                  return;
                }
                long bytes = c.payloadBytes.get();
                long msgs = c.messages.get();
                if (!o.quiet()) {
                  System.err.printf(
                      Locale.ROOT,
                      "trafficgen %s %s t=%.0fs messages=%d bytes=%d rate=%.3f Mbit/s%n",
                      o.mode(),
                      o.protocol(),
                      (System.nanoTime() - start) / 1e9,
                      msgs - lastMsgs,
                      bytes - lastBytes,
                      (bytes - lastBytes) * 8 / 1e6);
                }
                lastBytes = bytes;
                lastMsgs = msgs;
              }
            },
            "progress");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static synchronized void summary(Options o, Counters c, long start) {
    double seconds = Duration.ofNanos(System.nanoTime() - start).toNanos() / 1e9;
    System.out.printf(
        Locale.ROOT,
        "SUMMARY {\"mode\":\"%s\",\"protocol\":\"%s\",\"connections\":%d,\"messages\":%d,"
            + "\"payloadBytes\":%d,\"l3Bytes\":%d,\"responses\":%d,\"responseBytes\":%d,"
            + "\"errors\":%d,\"skipped\":%d,\"seconds\":%.3f}%n",
        o.mode(),
        o.protocol(),
        c.connections.get(),
        c.messages.get(),
        c.payloadBytes.get(),
        c.l3Bytes.get(),
        c.responses.get(),
        c.responseBytes.get(),
        c.errors.get(),
        c.skipped.get(),
        seconds);
    System.out.flush();
  }

  static final String USAGE =
      """
      usage: trafficgen (client|server) [--protocol tcp|udp|http|https] [--config file.toml]
        server: [--listen host:port (0.0.0.0:5201)] [--duration D] [--response-size N] [--latency D]
        client: --target host:port (--duration D | --total SIZE | --count N)
                [--rate 10Mbit|2MB/s] [--size N] [--connections N] [--latency D] [--quiet]
                [--insecure]   (https: accept the server's certificate unverified)
                [--sequence-offset N [--skip-every K]]   (udp, one connection)
      --config reads the same settings from a TOML file: top-level keys for both modes,
      [client] and [server] tables for one; a flag on the command line wins over the file.
      An https server makes a self-signed certificate at start: its clients need --insecure.
      --latency delays each HTTP(S) response (server) or each message (client).
      l3Bytes (UDP only) counts payload + UDP and IP headers, exactly what an L3 counter sees.
      --sequence-offset puts a 32-bit big-endian sequence number at byte N of each payload;
      --skip-every K leaves every K-th number out (counted as "skipped": the loss to expect).""";
}
