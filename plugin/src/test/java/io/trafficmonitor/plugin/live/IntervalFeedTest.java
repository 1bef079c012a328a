package io.trafficmonitor.plugin.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.api.live.IntervalCursor;
import io.trafficmonitor.plugin.Connection;
import io.trafficmonitor.plugin.FakeLiveApi;
import io.trafficmonitor.plugin.Monitor;
import io.trafficmonitor.plugin.Options;
import io.trafficmonitor.plugin.PluginException;
import io.trafficmonitor.plugin.live.RecordTracker.Seen;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stream followed across its ends and across a failure that passes. */
class IntervalFeedTest {
  @TempDir Path dir;
  FakeLiveApi api;
  KubernetesClient client;
  final List<String> warnings = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    api = new FakeLiveApi("demo", "web", 10_000_000L);
    Options o =
        Options.parse("flows", "web", "--kubeconfig", api.kubeconfig(dir, "demo").toString());
    client = Connection.client(Connection.config(o));
    for (int i = 0; i < 6; i++) {
      api.add("node-a", 10_000_000L, 100, 100, List.of());
    }
  }

  @AfterEach
  void stop() {
    client.close();
    api.close();
  }

  IntervalFeed feed() {
    IntervalFeed feed =
        new IntervalFeed(
            new LiveClient(client, new Monitor("demo", "web")),
            new RecordTracker(IntervalCursor.empty()),
            warnings::add);
    feed.firstWaitMillis(10);
    return feed;
  }

  @Test
  void aStreamThatWorkedIsOpenedAgainAfterA503FromItsCursor() {
    api.eventsPerStream = 1; // two records a response
    List<Seen> seen = new ArrayList<>();
    IntervalFeed feed = feed();
    // the first response works, the second is refused with 503, then it works again
    feed.follow(
        s -> {
          seen.add(s);
          if (seen.size() == 2) {
            api.streamRefusals.add(503);
          }
        },
        () -> seen.size() >= 6);

    assertThat(seen)
        .extracting(s -> s.record().seq())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 6).boxed().toList());
    assertThat(warnings)
        .singleElement()
        .asString()
        .contains("not available", "refused once", "trying again in 10 ms");
    assertThat(api.requests.stream().filter(q -> q.contains("/stream")).toList())
        .containsSubsequence(
            "GET /apis/live.trafficmonitor.io/v1alpha1/namespaces/demo/trafficmonitors/web/intervals/stream?after=node-a:2",
            "GET /apis/live.trafficmonitor.io/v1alpha1/namespaces/demo/trafficmonitors/web/intervals/stream?after=node-a:2");
  }

  @Test
  void aFirstStreamThatFailsEndsItAtOnce() {
    api.streamRefusals.add(503);
    assertThatThrownBy(() -> feed().follow(s -> {}, () -> false))
        .isInstanceOf(PluginException.class)
        .hasMessageStartingWith("the live API is not available");
  }

  @Test
  void aRefusalAfterItWorkedEndsItToo() {
    api.eventsPerStream = 1;
    List<Seen> seen = new ArrayList<>();
    assertThatThrownBy(
            () ->
                feed()
                    .follow(
                        s -> {
                          seen.add(s);
                          api.streamRefusals.add(403);
                        },
                        () -> false))
        .hasMessageStartingWith("you may not read trafficmonitor demo/web: refused once");
    assertThat(seen).hasSize(2);
  }
}
