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
import org.junit.jupiter.api.Test;

/** Prometheus scrapes a target on loopback and fires and resolves an alert rule. */
class PrometheusServerIT {

  @Test
  void scrapesAndFiresAndResolves() throws Exception {
    AtomicLong value = new AtomicLong();
    HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    target.createContext(
        "/metrics",
        ex -> {
          byte[] body =
              ("# TYPE rig_value gauge\nrig_value " + value.get() + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    target.start();
    Path rules = Files.createTempFile("rules", ".yaml");
    Files.writeString(
        rules, "groups:\n- name: rig\n  rules:\n  - alert: RigHigh\n    expr: rig_value > 10\n");
    try (PrometheusServer prom =
        PrometheusServer.start(
            List.of("127.0.0.1:" + target.getAddress().getPort()),
            Duration.ofMillis(500),
            Duration.ofMillis(500),
            List.of(rules))) {
      value.set(42);
      await(() -> prom.scalar("rig_value").orElse(0.0) == 42.0);
      assertThat(prom.targetHealth()).containsExactly("up");
      await(() -> prom.alerts("RigHigh", "firing").size() == 1);
      value.set(1);
      await(() -> prom.alerts("RigHigh", "firing").isEmpty());
    } finally {
      target.stop(0);
      Files.deleteIfExists(rules);
    }
  }

  private static void await(java.util.function.BooleanSupplier c) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!c.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 30 s").isLessThan(deadline);
      LocalCluster.sleep(200);
    }
  }
}
