package io.trafficmonitor.operator.live;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.agent.RealtimeReport;
import io.trafficmonitor.api.agent.SummaryReport;
import io.trafficmonitor.api.live.LiveApi;
import io.trafficmonitor.operator.agents.AgentHttp;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The agents' interval API as the operator calls it: a poll ({@code .../intervals?after=N}) or a
 * stream ({@code .../intervals/stream?after=N}) of one node's records, with the operator's own
 * ServiceAccount token (the agents check that its user may get the monitor; the chart's ClusterRole
 * lets it get every monitor). The caller's own right to the monitor is checked before.
 */
final class AgentIntervals {
  private final Supplier<String> token;
  private final AgentHttp agents;

  /** Agents on {@code port}, called with {@code token} (the operator's), over plain HTTP. */
  AgentIntervals(int port, Supplier<String> token) {
    this(port, token, null);
  }

  /**
   * Agents on {@code port}, called with {@code token} (the operator's), over HTTPS with {@code tls}
   * ({@code AgentSettings.agentTls}) or plain HTTP when it is null.
   */
  AgentIntervals(int port, Supplier<String> token, SSLContext tls) {
    this.token = token;
    this.agents = new AgentHttp(port, tls, "live-api-agents");
  }

  /** An agent's answer that is not a report: its status and body. */
  static final class AgentError extends Exception {
    final int status;

    AgentError(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  /**
   * The agent's path for a TrafficMonitor ({@code namespaced}) or a ClusterTrafficMonitor ({@code
   * cluster}, when {@code namespace} is null), with {@code tail} after it.
   */
  private URI uri(
      String address,
      String namespaced,
      String cluster,
      String namespace,
      String name,
      String tail) {
    String path =
        (namespace == null ? cluster : namespaced)
            .replace("{namespace}", namespace == null ? "" : enc(namespace))
            .replace("{name}", enc(name));
    return agents.uri(address, path + tail);
  }

  private URI intervals(String address, String namespace, String name, String tail) {
    return uri(
        address,
        IntervalReport.NAMESPACED_PATH,
        IntervalReport.CLUSTER_PATH,
        namespace,
        name,
        tail);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri);
    String t = token.get();
    if (t != null && !t.isBlank()) {
      b.header("Authorization", "Bearer " + t);
    }
    return b;
  }

  /** One node's snapshot ({@code realtime} or {@code summary}) as the agent wrote it (JSON). */
  CompletableFuture<String> snapshot(String address, String namespace, String name, String which) {
    boolean realtime = which.equals(LiveApi.REALTIME);
    return get(
        uri(
            address,
            realtime ? RealtimeReport.NAMESPACED_PATH : SummaryReport.NAMESPACED_PATH,
            realtime ? RealtimeReport.CLUSTER_PATH : SummaryReport.CLUSTER_PATH,
            namespace,
            name,
            ""));
  }

  /** One node's records after {@code after}; an {@link AgentError} carries a refusal or a 404. */
  CompletableFuture<IntervalReport> poll(
      String address, String namespace, String name, long after) {
    return get(intervals(address, namespace, name, "?after=" + after))
        .thenApply(body -> Serialization.unmarshal(body, IntervalReport.class));
  }

  /**
   * The agent's answer to a GET of {@code uri}; any status but 200 fails as an {@link AgentError}.
   */
  private CompletableFuture<String> get(URI uri) {
    return agents
        .client()
        .sendAsync(
            request(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString())
        .thenCompose(
            r ->
                r.statusCode() == 200
                    ? CompletableFuture.completedFuture(r.body())
                    : CompletableFuture.failedFuture(
                        new AgentError(r.statusCode(), r.body().strip())));
  }

  /** A running stream; cancel it to close the connection. */
  interface Stream {
    void cancel();
  }

  /**
   * Streams one node's records after {@code after}: each event's data (an {@link IntervalReport} in
   * JSON) to {@code onEvent}, then {@code onEnd} once (null when the agent ended it, else why it
   * failed or was refused).
   */
  Stream stream(
      String address,
      String namespace,
      String name,
      long after,
      Consumer<String> onEvent,
      Consumer<Throwable> onEnd) {
    HttpRequest req =
        request(intervals(address, namespace, name, "/stream?after=" + after))
            .header("Accept", "text/event-stream")
            .build();
    LineSubscriber lines = new LineSubscriber(onEvent);
    CompletableFuture<HttpResponse<Void>> response =
        agents
            .client()
            .sendAsync(
                req,
                info ->
                    info.statusCode() == 200
                        ? HttpResponse.BodySubscribers.fromLineSubscriber(lines)
                        : HttpResponse.BodySubscribers.replacing(null));
    response.whenComplete(
        (r, failed) -> {
          if (failed != null) {
            onEnd.accept(failed);
          } else if (r.statusCode() != 200) {
            onEnd.accept(new AgentError(r.statusCode(), "the agent answered " + r.statusCode()));
          } else {
            onEnd.accept(null);
          }
        });
    return () -> {
      lines.cancel();
      response.cancel(true);
    };
  }

  /**
   * Server-Sent Events, one {@code data:} line per event here (the agent writes JSON on a line).
   */
  private static final class LineSubscriber implements Flow.Subscriber<String> {
    private final Consumer<String> onEvent;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    LineSubscriber(Consumer<String> onEvent) {
      this.onEvent = onEvent;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(String line) {
      if (line.startsWith("data:")) {
        onEvent.accept(line.substring(5).strip());
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}

    void cancel() {
      cancelled = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }
}
