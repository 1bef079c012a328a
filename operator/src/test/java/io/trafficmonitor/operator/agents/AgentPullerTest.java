package io.trafficmonitor.operator.agents;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** When {@link AgentPuller} calls a monitor back, and with what it has pulled by then. */
class AgentPullerTest {

  @Test
  void aMonitorIsCalledAfterTheFirstRoundThenOncePerStatusInterval() {
    try (AgentPuller puller = new AgentPuller(0)) {
      AtomicInteger calls = new AtomicInteger();
      puller.want("uid-1", Duration.ofSeconds(10), calls::incrementAndGet);
      puller.callDue(Duration.ofSeconds(10));
      assertThat(calls).as("never called: due after the first round").hasValue(1);

      puller.callDue(Duration.ofSeconds(1));
      puller.want("uid-1", Duration.ofSeconds(10), calls::incrementAndGet); // a reconcile renews
      puller.callDue(Duration.ofSeconds(1));
      assertThat(calls).as("10 s have not passed").hasValue(1);
    }
  }

  @Test
  void aRoundEndingUpToHalfARoundEarlyStillCallsTheMonitorThatSetsTheRounds() throws Exception {
    try (AgentPuller puller = new AgentPuller(0)) {
      AtomicInteger calls = new AtomicInteger();
      puller.want("uid-1", Duration.ofMillis(40), calls::incrementAndGet);
      puller.callDue(Duration.ofMillis(40));
      Thread.sleep(25); // more than 40 - 40 / 2 ms
      puller.callDue(Duration.ofMillis(40));
      assertThat(calls).hasValue(2);
    }
  }

  @Test
  void oneMonitorFailingDoesNotKeepTheOthersFromBeingCalled() {
    try (AgentPuller puller = new AgentPuller(0)) {
      AtomicInteger calls = new AtomicInteger();
      puller.want(
          "uid-1",
          Duration.ofSeconds(1),
          () -> {
            throw new IllegalStateException("gone");
          });
      puller.want("uid-2", Duration.ofSeconds(1), calls::incrementAndGet);
      puller.callDue(Duration.ofSeconds(1));
      assertThat(calls).hasValue(1);
    }
  }

  @Test
  void theCallComesAfterTheRoundThatPulledTheEntries() throws Exception {
    NodeStatus entry = new NodeStatus();
    entry.setRxBytes(1234L);
    AgentReport report =
        new AgentReport("node-a", List.of(new AgentReport.Entry("ns", "tm", "uid-1", entry)));
    HttpServer agent =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    agent.createContext(
        AgentReport.PATH,
        exchange -> {
          byte[] body = Serialization.asJson(report).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    agent.start();
    try (AgentPuller puller = new AgentPuller(agent.getAddress().getPort())) {
      List<List<NodeStatus>> seen = new CopyOnWriteArrayList<>();
      puller.want("uid-1", Duration.ofMillis(500), () -> seen.add(puller.entries("uid-1")));
      puller.start(() -> Map.of("node-a", agent.getAddress().getAddress().getHostAddress()));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
      assertThat(seen.get(0))
          .singleElement()
          .satisfies(
              n -> {
                assertThat(n.getRxBytes()).isEqualTo(1234L);
                assertThat(n.getNode()).isEqualTo("node-a");
              });
    } finally {
      agent.stop(0);
    }
  }
}
