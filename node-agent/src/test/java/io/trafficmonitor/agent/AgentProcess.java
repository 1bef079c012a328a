package io.trafficmonitor.agent;

import io.trafficmonitor.api.agent.AgentEnvironment;
import io.trafficmonitor.testing.LocalCluster;
import io.trafficmonitor.testing.ServingCert;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The packaged agent (target/quarkus-app/quarkus-run.jar) run as its own process; {@code wrap} may
 * put a command around the java command line (nsenter, unshare, setpriv), and {@code netns} names
 * the network namespace its HTTP port is in (null: the test's own).
 */
final class AgentProcess implements AutoCloseable {
  static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

  final Process process;
  final int port;
  final Path log;
  private final Path netns;
  private final HttpClient http;
  private final String scheme;

  AgentProcess(Map<String, String> env, Path log) throws IOException {
    this(env, log, null, UnaryOperator.identity());
  }

  AgentProcess(Map<String, String> env, Path log, Path netns, UnaryOperator<List<String>> wrap)
      throws IOException {
    this(env, log, netns, wrap, null);
  }

  /**
   * With {@code tls} the agent serves HTTPS with that certificate (the DaemonSet's variables) and
   * this class' requests trust its CA; null: plain HTTP.
   */
  AgentProcess(
      Map<String, String> env,
      Path log,
      Path netns,
      UnaryOperator<List<String>> wrap,
      ServingCert tls)
      throws IOException {
    this.port = freePort();
    this.scheme = tls == null ? "http" : "https";
    this.http =
        tls == null
            ? HttpClient.newHttpClient()
            : HttpClient.newBuilder().sslContext(tls.clientContext()).build();
    this.log = log;
    this.netns = netns;
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(List.of(AgentEnvironment.JVM_OPTIONS.split(" "))); // the DaemonSet's
    command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
    ProcessBuilder pb =
        new ProcessBuilder(wrap.apply(command))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    pb.environment().put("TM_METRICS_PORT", Integer.toString(port));
    if (tls != null) {
      pb.environment().put(AgentEnvironment.TLS_CERT_FILE, tls.cert().toString());
      pb.environment().put(AgentEnvironment.TLS_KEY_FILE, tls.key().toString());
    }
    process = pb.start();
  }

  long pid() {
    return process.pid();
  }

  /** GET {@code path} without a token (the health checks); throws unless 200. */
  String get(String path) throws Exception {
    return get(path, null);
  }

  /**
   * GET {@code path} with {@code token} as the bearer (none when null), in the agent's network
   * namespace when it has one; throws unless 200. /metrics needs a token of {@link
   * OperatorTokens#metricsReader}.
   */
  String get(String path, String token) throws Exception {
    if (netns != null) {
      return InNetns.httpGet(netns, port, path, token);
    }
    HttpResponse<String> r = send(path, token);
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /** GET {@code path} with {@code token} as the bearer (none when null), whatever the status. */
  HttpResponse<String> send(String path, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  boolean ready() {
    try {
      get("/q/health/ready");
      return true;
    } catch (Exception e) {
      if (!process.isAlive()) {
        throw new IllegalStateException("agent exited " + process.exitValue() + ": " + tail());
      }
      return false;
    }
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** SIGKILL: no shutdown hook, no detach. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: a graceful shutdown. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  private static int freePort() {
    return LocalCluster.freePort();
  }
}
