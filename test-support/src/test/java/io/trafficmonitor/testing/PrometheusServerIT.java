package io.trafficmonitor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Prometheus scrapes a target on loopback with the bearer token of a file, as the agents ask, and
 * fires and resolves an alert rule.
 */
class PrometheusServerIT {

  @Test
  void scrapesAndFiresAndResolves() throws Exception {
    AtomicLong value = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    target.createContext(
        "/metrics",
        ex -> {
          if (!"Bearer s3cret".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            refused.incrementAndGet();
            ex.sendResponseHeaders(401, -1);
            ex.close();
            return;
          }
          byte[] body =
              ("# TYPE rig_value gauge\nrig_value " + value.get() + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    target.start();
    Path token = Files.createTempFile("token", "");
    Files.writeString(token, "s3cret\n"); // as a file of kubectl create token ends
    Path rules = Files.createTempFile("rules", ".yaml");
    Files.writeString(
        rules, "groups:\n- name: rig\n  rules:\n  - alert: RigHigh\n    expr: rig_value > 10\n");
    try (PrometheusServer prom =
        PrometheusServer.start(
            List.of("127.0.0.1:" + target.getAddress().getPort()),
            token,
            Duration.ofMillis(500),
            Duration.ofMillis(500),
            List.of(rules))) {
      value.set(42);
      await(() -> prom.scalar("rig_value").orElse(0.0) == 42.0);
      assertThat(prom.targetHealth()).containsExactly("up");
      assertThat(refused).as("scrapes without the token").hasValue(0);
      await(() -> prom.alerts("RigHigh", "firing").size() == 1);
      value.set(1);
      await(() -> prom.alerts("RigHigh", "firing").isEmpty());
    } finally {
      target.stop(0);
      Files.deleteIfExists(rules);
      Files.deleteIfExists(token);
    }
  }

  private static void await(BooleanSupplier c) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!c.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 30 s").isLessThan(deadline);
      LocalCluster.sleep(200);
    }
  }
}
