package io.trafficmonitor.operator.live;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.live.IntervalReportList;
import io.trafficmonitor.api.live.LiveApi;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One caller of a monitor's live stream through the API server, as {@code kubectl trafficmonitor}
 * does it (LiveClient): a poll of the monitor's intervals for the cursor, then the stream from that
 * cursor, as user {@code user} (impersonated by the admin's client certificate). It counts the
 * events ({@code data:} lines) and nothing else: the bench's own cost per event stays small.
 */
final class StreamWatcher implements Flow.Subscriber<List<ByteBuffer>> {
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

  final AtomicLong events = new AtomicLong();
  private volatile Flow.Subscription subscription;
  private volatile boolean cancelled;
  private volatile int status;
  private volatile String refusal;

  /** Completes with the poll's size in bytes (or -1) once it is answered, before the stream. */
  final CompletableFuture<Integer> polled = new CompletableFuture<>();

  private volatile boolean ended;
  private int matched; // bytes of "data:" matched at the start of the current line, -1: none

  /**
   * Polls, then opens the stream, both asynchronously: {@link #settled} says when the stream is
   * open or the API server refused (a refusal's status in {@link #status}).
   */
  StreamWatcher(HttpClient http, String apiServer, String user, String namespace, String name) {
    http.sendAsync(
            request(apiServer + LiveApi.intervalsPath(namespace, name), user).build(),
            HttpResponse.BodyHandlers.ofString())
        .thenAccept(
            poll -> {
              polled.complete(poll.body().length());
              if (poll.statusCode() != 200) {
                refusal = poll.body();
                status = poll.statusCode();
                ended = true;
                return;
              }
              String cursor =
                  Serialization.unmarshal(poll.body(), IntervalReportList.class).cursor();
              http.sendAsync(
                      request(
                              apiServer
                                  + LiveApi.streamPath(namespace, name)
                                  + "?after="
                                  + URLEncoder.encode(cursor, StandardCharsets.UTF_8),
                              user)
                          .header("Accept", "text/event-stream")
                          .build(),
                      info -> {
                        status = info.statusCode();
                        return HttpResponse.BodySubscribers.fromSubscriber(this);
                      })
                  .whenComplete((r, t) -> ended = true);
            })
        .whenComplete(
            (v, t) -> {
              if (t != null) {
                polled.complete(-1);
                refusal = t.toString();
                status = -1;
                ended = true;
              }
            });
  }

  private static HttpRequest.Builder request(String uri, String user) {
    return HttpRequest.newBuilder(URI.create(uri))
        .header("Impersonate-User", user)
        .timeout(Duration.ofSeconds(90)); // the API server's own is 60 s
  }

  /** Whether the API server answered 200 and the stream is still open. */
  boolean open() {
    return status == 200 && !ended;
  }

  /** The stream's status once its headers came, a refusal's (the poll's or the stream's), or 0. */
  int status() {
    return status;
  }

  /** Whether the stream is open or was refused (or failed). */
  boolean settled() {
    return status != 0 || ended;
  }

  /** What the API server answered to a refused poll, or why it failed; null if none. */
  String refusal() {
    return refusal;
  }

  void close() {
    cancelled = true;
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
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
  public void onNext(List<ByteBuffer> buffers) {
    for (ByteBuffer b : buffers) {
      while (b.hasRemaining()) {
        byte c = b.get();
        if (c == '\n') {
          matched = 0;
        } else if (matched >= 0) {
          matched = c == DATA[matched] ? matched + 1 : -1;
          if (matched == DATA.length) {
            events.incrementAndGet();
            matched = -1;
          }
        }
      }
    }
  }

  @Override
  public void onError(Throwable t) {
    ended = true;
  }

  @Override
  public void onComplete() {
    ended = true;
  }
}
