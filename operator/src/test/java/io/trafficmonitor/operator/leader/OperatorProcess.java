package io.trafficmonitor.operator.leader;

import io.trafficmonitor.testing.LocalCluster;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged operator (target/quarkus-app, built by the package phase) as its own process, as a
 * replica of the Deployment runs it: the chart's JVM flags, its own HTTP port, its own identity in
 * the Lease.
 */
final class OperatorProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  final String identity;
  private final int port;
  private final Process process;

  private OperatorProcess(String identity, int port, Process process) {
    this.identity = identity;
    this.port = port;
    this.process = process;
  }

  /** Starts a replica named {@code identity} with these {@code -D} settings. */
  static OperatorProcess start(String identity, Path kubeconfig, List<String> properties) {
    Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run the package phase first");
    }
    int port = freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx160m", "-XX:+UseSerialGC")); // the chart's operator.javaOptions
    cmd.add("-Dtrafficmonitor.kubeconfig=" + kubeconfig);
    cmd.add("-Dtrafficmonitor.operator.identity=" + identity);
    cmd.add("-Dquarkus.http.port=" + port);
    properties.forEach(p -> cmd.add("-D" + p));
    cmd.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder builder =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(new File("target/leader-election-" + identity + ".log"));
    builder.environment().put("MALLOC_ARENA_MAX", "2");
    try {
      return new OperatorProcess(identity, port, builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The HTTP status of {@code path} (/q/health/live...), or -1 when nothing answers. */
  int status(String path) {
    HttpResponse<String> r = get(path);
    return r == null ? -1 : r.statusCode();
  }

  /** The body of {@code path}, or "" when nothing answers. */
  String body(String path) {
    HttpResponse<String> r = get(path);
    return r == null ? "" : r.body();
  }

  /**
   * The sum of the samples of {@code family} in /q/metrics (0 when absent: JOSDK registers its
   * counters at the first reconcile).
   */
  double metric(String family) {
    double sum = 0;
    for (String line : body("/q/metrics").split("\n")) {
      if (line.startsWith(family + " ") || line.startsWith(family + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private HttpResponse<String> get(String path) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL: a crash, a node lost; nothing is released. */
  void kill() {
    process.destroyForcibly();
    waitFor();
  }

  /** SIGTERM: what the kubelet sends at a roll or a drain. */
  void terminate() {
    process.destroy();
    waitFor();
  }

  private void waitFor() {
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(identity + " did not stop within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private static int freePort() {
    return LocalCluster.freePort();
  }
}
