package io.trafficmonitor.agent;

import io.trafficmonitor.testing.ServingCert;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Benchmark, not part of the build (the name matches neither *Test nor *IT): what TLS on the agent
 * port costs the packaged agent, per scrape of /metrics with a scraper's token, over plain HTTP and
 * over HTTPS, each with one kept-alive connection (as Prometheus scrapes) and with a new connection
 * per scrape (a TLS handshake each). The figure is the agent process' CPU time (utime + stime of
 * /proc/PID/stat) over the scrapes, divided by their number, and the caller's wall time per scrape.
 * Run: {@code CI=true mvn -pl node-agent verify -Dtest=AgentTlsBench
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=none -Dfailsafe.failIfNoSpecifiedTests=false}
 * after {@code mvn package}; results in target/agent-tls-bench.md.
 */
class AgentTlsBench {
  static final int SCRAPES = 400;
  static final int ROUNDS = 3;

  @RegisterExtension
  static final AgentOnTestNode site = new AgentOnTestNode("tm-tlsb-", "tmtlsb").packaged();

  static ServingCert rsa;
  static ServingCert ecdsa;

  @BeforeAll
  static void setUp() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target"), "agent-tls-bench-");
    List<String> names = List.of("agent-metrics.test.svc");
    List<String> ips = List.of("127.0.0.1");
    rsa = ServingCert.generate(dir.resolve("rsa"), names.get(0), names, ips, ServingCert.Key.RSA);
    ecdsa =
        ServingCert.generate(dir.resolve("ecdsa"), names.get(0), names, ips, ServingCert.Key.ECDSA);
  }

  @Test
  void cpuPerScrape() throws Exception {
    StringBuilder md =
        new StringBuilder(
            "| port | connection | agent CPU per scrape (µs) | caller's wall time per scrape (ms)"
                + " |\n|---|---|---:|---:|\n");
    for (ServingCert tls : new ServingCert[] {null, rsa, ecdsa}) {
      try (AgentProcess agent =
          new AgentProcess(
              site.agentEnv(),
              Path.of("target", "agent-tls-bench.log"),
              null,
              UnaryOperator.identity(),
              tls)) {
        Wait.until("agent ready", Duration.ofSeconds(60), agent::ready);
        Wait.until(
            "/metrics served",
            Duration.ofSeconds(30),
            () -> {
              try {
                return agent.send("/metrics", site.scrapeToken()).statusCode() == 200;
              } catch (Exception notYet) {
                return false;
              }
            });
        String scheme = tls == null ? "http" : "https";
        URI uri = URI.create(scheme + "://127.0.0.1:" + agent.port + "/metrics");
        for (boolean keepAlive : new boolean[] {true, false}) {
          double[] cpu = new double[ROUNDS];
          double[] wall = new double[ROUNDS];
          for (int r = 0; r < ROUNDS; r++) {
            HttpClient shared = client(tls);
            scrape(uri, shared, 50); // warm
            long cpu0 = cpuNanos(agent.pid());
            long t0 = System.nanoTime();
            for (int i = 0; i < SCRAPES; i++) {
              scrape(uri, keepAlive ? shared : client(tls), 1);
            }
            wall[r] = (System.nanoTime() - t0) / 1e6 / SCRAPES;
            cpu[r] = (cpuNanos(agent.pid()) - cpu0) / 1e3 / SCRAPES;
          }
          md.append(
              String.format(
                  Locale.ROOT,
                  "| %s | %s | %.0f (%s) | %.2f |%n",
                  tls == null ? "HTTP" : tls == rsa ? "HTTPS, RSA 2048" : "HTTPS, ECDSA P-256",
                  keepAlive ? "kept alive" : "new per scrape",
                  median(cpu),
                  rounds(cpu),
                  median(wall)));
        }
      }
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%n%d scrapes per round, %d rounds (median, then every round), %d CPUs.%n",
            SCRAPES,
            ROUNDS,
            Runtime.getRuntime().availableProcessors()));
    System.out.println(md);
    Files.writeString(Path.of("target", "agent-tls-bench.md"), md.toString());
  }

  /** A client of its own: a new one per request opens a new connection (a new handshake). */
  static HttpClient client(ServingCert tls) {
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
    return tls == null ? b.build() : b.sslContext(tls.clientContext()).build();
  }

  static void scrape(URI uri, HttpClient http, int times) throws Exception {
    for (int i = 0; i < times; i++) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri)
                  .header("Authorization", "Bearer " + site.scrapeToken())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + r.statusCode());
      }
    }
  }

  /** The process' user and system CPU time, from /proc/PID/stat (clock ticks of 10 ms). */
  static long cpuNanos(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
    return ticks * 10_000_000L;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  static String rounds(double[] v) {
    StringBuilder b = new StringBuilder();
    for (double x : v) {
      b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", x));
    }
    return b.toString();
  }
}
