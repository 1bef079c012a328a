package io.trafficmonitor.plugin.live;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.live.IntervalReportList;
import io.trafficmonitor.api.live.LiveApi;
import io.trafficmonitor.plugin.Monitor;
import io.trafficmonitor.plugin.PluginException;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One monitor's records from the live API ({@link LiveApi}), through the API server with the
 * caller's credentials: a poll answers an {@link IntervalReportList}; a stream is one response of
 * Server-Sent Events, each one node's {@link IntervalReport}, that the server ends after about
 * {@value LiveApi#STREAM_SECONDS} s ({@link IntervalFeed} goes on from the cursor). Reports are
 * handed over on the caller's thread, never on the HTTP client's.
 */
public final class LiveClient {
  static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** A stream that sends nothing for this long is taken for dead and opened again. */
  private static final long SILENCE_NANOS = TimeUnit.SECONDS.toNanos(2L * LiveApi.STREAM_SECONDS);

  private static final Object END = new Object();

  private final ApiGet api;
  private final Monitor monitor;
  private final LiveErrors errors;

  public LiveClient(KubernetesClient client, Monitor monitor) {
    this.api = new ApiGet(client.getHttpClient(), client.getConfiguration().getMasterUrl());
    this.monitor = monitor;
    this.errors = new LiveErrors(api, monitor);
  }

  public Monitor monitor() {
    return monitor;
  }

  /**
   * Every node's records after {@code cursor}.
   *
   * @throws PluginException when the API server refuses (the message says why) or is unreachable
   */
  public IntervalReportList poll(String cursor) {
    ApiGet.Answer a = api.get(monitor.intervalsPath() + query(cursor));
    if (!a.ok()) {
      throw errors.of(a.code(), a.body());
    }
    try {
      return JSON.readValue(a.body(), IntervalReportList.class);
    } catch (Exception e) {
      throw PluginException.failed(
          "the live API answered something else than an IntervalReportList: " + e.getMessage());
    }
  }

  /**
   * Reads one stream response from {@code cursor}, handing each report to {@code onReport}, until
   * the server ends it or {@code stop} says so.
   *
   * @throws PluginException when the API server refuses, or the stream breaks
   */
  public void stream(String cursor, Consumer<IntervalReport> onReport, BooleanSupplier stop) {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    SseDecoder decoder = new SseDecoder();
    ByteArrayOutputStream refusal = new ByteArrayOutputStream();
    AtomicBoolean refused = new AtomicBoolean();
    AsyncBody.Consumer<List<ByteBuffer>> consumer =
        (buffers, body) -> {
          for (ByteBuffer b : buffers) {
            if (refused.get()) {
              byte[] bytes = new byte[b.remaining()];
              b.get(bytes);
              refusal.write(bytes, 0, bytes.length);
            } else {
              events.addAll(decoder.feed(b));
            }
          }
          body.consume();
        };
    CompletableFuture<HttpResponse<AsyncBody>> future =
        api.http()
            .consumeBytes(
                api.request(monitor.streamPath() + query(cursor))
                    .header("Accept", "text/event-stream")
                    .forStreaming()
                    .build(),
                consumer);
    HttpResponse<AsyncBody> response = await(future);
    AsyncBody body = response.body();
    if (!response.isSuccessful()) {
      refused.set(true);
      body.consume();
      await(body.done().exceptionally(t -> null));
      throw errors.of(response.code(), refusal.toString(StandardCharsets.UTF_8));
    }
    body.done().whenComplete((v, t) -> events.add(t == null ? END : t));
    body.consume();
    long lastEvent = System.nanoTime();
    try {
      while (true) {
        if (stop.getAsBoolean()) {
          return;
        }
        Object e = events.poll(100, TimeUnit.MILLISECONDS);
        if (e == null) {
          if (System.nanoTime() - lastEvent > SILENCE_NANOS) {
            throw PluginException.passing("the stream of " + monitor + " went silent");
          }
          continue;
        }
        lastEvent = System.nanoTime();
        if (e == END) {
          return;
        }
        if (e instanceof Throwable t) {
          throw api.unreachable(t);
        }
        onReport.accept(report((String) e));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (!body.done().isDone()) {
        body.cancel(); // stopped early; a finished response leaves its connection to be reused
      }
    }
  }

  private static IntervalReport report(String data) {
    try {
      return JSON.readValue(data, IntervalReport.class);
    } catch (Exception e) {
      throw PluginException.failed(
          "the live API streamed something else than an IntervalReport: " + e.getMessage());
    }
  }

  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PluginException.failed("interrupted");
    } catch (ExecutionException e) {
      throw api.unreachable(e.getCause());
    }
  }

  private static String query(String cursor) {
    return cursor == null || cursor.isEmpty()
        ? ""
        : "?after=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
  }
}
