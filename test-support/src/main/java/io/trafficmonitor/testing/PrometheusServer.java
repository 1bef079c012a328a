package io.trafficmonitor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Prometheus (the release hack/setup.sh builds, {@link Tools#prometheus()}), started on a loopback
 * port with a scrape configuration and rule files of the test's choosing, queried over its HTTP
 * API. {@link #close()} stops it and removes its data.
 */
public final class PrometheusServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final ManagedProcess process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private PrometheusServer(Path dir, ManagedProcess process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  /**
   * Starts Prometheus scraping {@code targets} (host:port) every {@code scrapeInterval}, sending
   * the bearer token in {@code tokenFile} (read again at every scrape; none when null), as the
   * agents' /metrics asks, and evaluating {@code ruleFiles} every {@code evaluationInterval}.
   */
  public static PrometheusServer start(
      List<String> targets,
      Path tokenFile,
      Duration scrapeInterval,
      Duration evaluationInterval,
      List<Path> ruleFiles) {
    return start(targets, tokenFile, null, null, scrapeInterval, evaluationInterval, ruleFiles);
  }

  /**
   * As {@link #start(List, Path, Duration, Duration, List)}, scraping over HTTPS when {@code
   * caFile} is not null: the targets' certificate must lead to that CA and name {@code serverName}
   * (the agents' certificate names their Service, not the addresses scraped).
   */
  public static PrometheusServer start(
      List<String> targets,
      Path tokenFile,
      Path caFile,
      String serverName,
      Duration scrapeInterval,
      Duration evaluationInterval,
      List<Path> ruleFiles) {
    String tls =
        caFile == null
            ? ""
            : "scheme: https\n    tls_config: {ca_file: '%s', server_name: '%s'}"
                .formatted(caFile, serverName);
    String authorization =
        tokenFile == null
            ? ""
            : "authorization: {type: Bearer, credentials_file: '" + tokenFile + "'}";
    String scrape =
        """
          - job_name: trafficmonitor-agent
            # Prometheus 3 refuses an answer without a known Content-Type unless told what to
            # read it as; the agents send text/plain; version=0.0.4.
            fallback_scrape_protocol: PrometheusText0.0.4
            %s
            %s
            static_configs:
              - targets: [%s]
        """
            .formatted(
                authorization,
                tls,
                String.join(", ", targets.stream().map(t -> "'" + t + "'").toList()));
    return startWith(scrape, scrapeInterval, evaluationInterval, ruleFiles);
  }

  /**
   * Starts Prometheus with {@code scrapeConfigs} (the entries of {@code scrape_configs}, YAML
   * indented by two spaces), scraping every {@code scrapeInterval} and evaluating {@code ruleFiles}
   * and the rules {@link #putRules} adds every {@code evaluationInterval}.
   */
  public static PrometheusServer startWith(
      String scrapeConfigs,
      Duration scrapeInterval,
      Duration evaluationInterval,
      List<Path> ruleFiles) {
    Tools.require(Tools.prometheus());
    try {
      Path dir = Files.createTempDirectory("tm-prometheus-");
      Files.createDirectories(dir.resolve("rules"));
      int port = LocalCluster.freePort();
      for (Path r : ruleFiles) {
        Files.copy(r, dir.resolve("rules").resolve(r.getFileName()));
      }
      String config =
          """
          global:
            scrape_interval: %dms
            evaluation_interval: %dms
          rule_files:
            - %s/rules/*
          scrape_configs:
          %s
          """
              .formatted(
                  scrapeInterval.toMillis(),
                  evaluationInterval.toMillis(),
                  dir,
                  scrapeConfigs.stripTrailing());
      Files.writeString(dir.resolve("prometheus.yml"), config);
      ManagedProcess p =
          ManagedProcess.start(
              "prometheus",
              dir,
              List.of(
                  Tools.prometheus().toString(),
                  "--config.file=" + dir.resolve("prometheus.yml"),
                  "--storage.tsdb.path=" + dir.resolve("data"),
                  "--web.listen-address=127.0.0.1:" + port,
                  "--web.enable-lifecycle",
                  "--log.level=warn"));
      PrometheusServer server = new PrometheusServer(dir, p, port);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!server.ready()) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          String log = p.logTail();
          server.close();
          throw new IllegalStateException("prometheus did not become ready:\n" + log);
        }
        LocalCluster.sleep(100);
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Adds (or replaces) the rule file {@code name} with {@code rulesYaml} (a rule file: {@code
   * groups: [...]}) and reloads the configuration; fails when Prometheus refuses it.
   */
  public void putRules(String name, String rulesYaml) {
    try {
      Files.writeString(dir.resolve("rules").resolve(name + ".yaml"), rulesYaml);
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url() + "/-/reload"))
                  .timeout(Duration.ofSeconds(30))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            "prometheus refused the rules " + name + ": " + r.body() + "\n" + rulesYaml);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The labels of every active scrape target, as Prometheus gave them after relabelling. */
  public List<JsonNode> targetLabels() {
    try {
      JsonNode body = JSON.readTree(get("/api/v1/targets").body());
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode t : body.path("data").path("activeTargets")) {
        out.add(t.path("labels"));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private boolean ready() {
    try {
      return get("/-/ready").statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  private HttpResponse<String> get(String path) throws IOException {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** An instant query; returns the {@code data.result} array. */
  public JsonNode query(String promql) {
    try {
      HttpResponse<String> r =
          get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
      JsonNode body = JSON.readTree(r.body());
      if (!"success".equals(body.path("status").asText())) {
        throw new IllegalStateException("query " + promql + " failed: " + r.body());
      }
      return body.path("data").path("result");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The value of a query that returns one sample, if it returned one. */
  public Optional<Double> scalar(String promql) {
    JsonNode result = query(promql);
    if (result.size() == 0) {
      return Optional.empty();
    }
    return Optional.of(result.get(0).path("value").get(1).asDouble());
  }

  /** Alerts in the given state ("pending" or "firing") with the given name. */
  public List<JsonNode> alerts(String name, String state) {
    try {
      JsonNode body = JSON.readTree(get("/api/v1/alerts").body());
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode a : body.path("data").path("alerts")) {
        if (name.equals(a.path("labels").path("alertname").asText())
            && state.equals(a.path("state").asText())) {
          out.add(a);
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Health of every scrape target: "up", "down" or "unknown". */
  public List<String> targetHealth() {
    try {
      JsonNode body = JSON.readTree(get("/api/v1/targets").body());
      List<String> out = new ArrayList<>();
      for (JsonNode t : body.path("data").path("activeTargets")) {
        out.add(t.path("health").asText());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.stop();
    ClusterDirs.delete(dir);
  }
}
