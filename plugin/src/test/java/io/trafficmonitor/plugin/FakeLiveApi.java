package io.trafficmonitor.plugin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.agent.IntervalReport.Counts;
import io.trafficmonitor.api.agent.IntervalReport.Interval;
import io.trafficmonitor.api.live.IntervalCursor;
import io.trafficmonitor.api.live.IntervalReportList;
import io.trafficmonitor.api.live.LiveApi;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The API server as the plugin sees it, on 127.0.0.1 over plain HTTP: the live API's poll and
 * stream paths of one monitor (each node's records kept in order, served after the {@code after}
 * cursor), the monitor itself, the APIService, and refusals as Kubernetes Status objects. A stream
 * response carries at most {@link #eventsPerStream} events and then ends, as the operator's does
 * after 45 s, so a client must go on from its cursor.
 */
public final class FakeLiveApi implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final String namespace;
  private final String name;
  private final Map<String, List<Interval>> records = new TreeMap<>();
  private final long intervalNanos;

  /** Every request: method, path and query, and the Impersonate-User header. */
  public final List<String> requests = new CopyOnWriteArrayList<>();

  final List<String> impersonated = new CopyOnWriteArrayList<>();
  public volatile int eventsPerStream = 2;
  volatile int refuseLive;

  /** Codes to answer the next stream requests with, one each, before serving again. */
  public final Queue<Integer> streamRefusals = new ConcurrentLinkedQueue<>();

  volatile String refusal = "";
  volatile boolean missedOnPoll;
  volatile boolean monitorExists = true;
  public volatile String monitorJson;
  volatile String apiServiceJson;

  public FakeLiveApi(String namespace, String name, long intervalNanos) throws IOException {
    this.namespace = namespace;
    this.name = name;
    this.intervalNanos = intervalNanos;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Adds a record of {@code node} numbered after its last, ending at {@code end}. */
  public Interval add(String node, long durationNanos, long rx, long tx, List<Counts> pods) {
    return add(node, durationNanos, rx, tx, rx / 1000, tx / 1000, pods);
  }

  /** Adds a record of {@code node} numbered after its last, with these totals. */
  public synchronized Interval add(
      String node, long durationNanos, long rx, long tx, long rxp, long txp, List<Counts> pods) {
    List<Interval> list = records.computeIfAbsent(node, n -> new ArrayList<>());
    long seq = list.size() + 1;
    Instant end = Instant.parse("2026-11-30T12:00:00Z").plusNanos(seq * durationNanos);
    Interval i =
        new Interval(seq, end.toString(), durationNanos, rx, tx, rxp, txp, pods, List.of());
    list.add(i);
    return i;
  }

  /** Adds a record of {@code node} whose totals are the sums of its pods'. */
  public Interval add(String node, long durationNanos, List<Counts> pods) {
    return add(
        node,
        durationNanos,
        pods.stream().mapToLong(Counts::rxBytes).sum(),
        pods.stream().mapToLong(Counts::txBytes).sum(),
        pods.stream().mapToLong(Counts::rxPackets).sum(),
        pods.stream().mapToLong(Counts::txPackets).sum(),
        pods);
  }

  /** Writes a kubeconfig whose current context "fake" reaches this server, namespace {@code ns}. */
  public Path kubeconfig(Path dir, String ns) throws IOException {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: %s
        users:
        - name: me
          user:
            token: secret-token
        contexts:
        - name: fake
          context:
            cluster: fake
            user: me
            namespace: %s
        - name: other
          context:
            cluster: fake
            user: me
        current-context: fake
        """
            .formatted(url(), ns));
    return file;
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String query = ex.getRequestURI().getRawQuery();
    requests.add(ex.getRequestMethod() + " " + path + (query == null ? "" : "?" + decode(query)));
    String as = ex.getRequestHeaders().getFirst("Impersonate-User");
    impersonated.add(
        as == null ? "" : as + ex.getRequestHeaders().getOrDefault("Impersonate-Group", List.of()));
    String live = LiveApi.intervalsPath(namespace, name);
    try (ex) {
      if (path.equals(live) || path.equals(live + "/stream")) {
        Integer once = path.endsWith("/stream") ? streamRefusals.poll() : null;
        if (once != null) {
          send(ex, once, status(once, "refused once"));
        } else if (refuseLive != 0) {
          send(ex, refuseLive, status(refuseLive, refusal));
        } else if (path.endsWith("/stream")) {
          stream(ex, cursor(query));
        } else {
          send(ex, 200, JSON.writeValueAsString(poll(cursor(query))));
        }
      } else if (path.equals(
          "/apis/trafficmonitor.io/v1alpha1/namespaces/"
              + namespace
              + "/trafficmonitors/"
              + name)) {
        if (monitorExists) {
          send(
              ex,
              200,
              monitorJson != null
                  ? monitorJson
                  : "{\"apiVersion\":\"trafficmonitor.io/v1alpha1\",\"kind\":\"TrafficMonitor\",\"metadata\":{\"name\":\""
                      + name
                      + "\",\"namespace\":\""
                      + namespace
                      + "\"}}");
        } else {
          send(
              ex, 404, status(404, "trafficmonitors.trafficmonitor.io \"" + name + "\" not found"));
        }
      } else if (path.startsWith("/apis/apiregistration.k8s.io/v1/apiservices/")) {
        if (apiServiceJson == null) {
          send(ex, 403, status(403, "apiservices is forbidden"));
        } else {
          send(ex, 200, apiServiceJson);
        }
      } else {
        send(ex, 404, status(404, "the server could not find the requested resource"));
      }
    }
  }

  private static String decode(String query) {
    return URLDecoder.decode(query, StandardCharsets.UTF_8);
  }

  private static IntervalCursor cursor(String query) {
    if (query == null) {
      return IntervalCursor.empty();
    }
    for (String kv : query.split("&")) {
      if (kv.startsWith("after=")) {
        return IntervalCursor.parse(decode(kv.substring(6)));
      }
    }
    return IntervalCursor.empty();
  }

  private synchronized IntervalReportList poll(IntervalCursor after) {
    List<IntervalReport> items = new ArrayList<>();
    IntervalCursor next = IntervalCursor.parse(after.toString());
    records.forEach(
        (node, list) -> {
          IntervalReport r = report(node, after.after(node), Integer.MAX_VALUE);
          if (missedOnPoll) {
            r =
                new IntervalReport(
                    r.node(),
                    r.namespace(),
                    r.name(),
                    r.intervalNanos(),
                    r.first(),
                    r.last(),
                    true,
                    r.records());
          }
          items.add(r);
          next.advance(node, r.last());
        });
    return new IntervalReportList(namespace, name, next.toString(), items, List.of());
  }

  private IntervalReport report(String node, long after, int max) {
    List<Interval> list = records.get(node);
    List<Interval> newer = list.stream().filter(i -> i.seq() > after).limit(max).toList();
    return new IntervalReport(
        node, namespace, name, intervalNanos, list.isEmpty() ? 0 : 1, list.size(), false, newer);
  }

  /** Up to eventsPerStream events, each one node's next two records, then the end. */
  private void stream(HttpExchange ex, IntervalCursor after) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    out.write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
    int sent = 0;
    IntervalCursor at = IntervalCursor.parse(after.toString());
    synchronized (this) {
      boolean any = true;
      while (sent < eventsPerStream && any) {
        any = false;
        for (String node : records.keySet()) {
          if (sent >= eventsPerStream) {
            break;
          }
          IntervalReport r = report(node, at.after(node), 2);
          if (r.records().isEmpty()) {
            continue;
          }
          String data = JSON.writeValueAsString(r);
          // split the event over two writes, as a network may
          int half = data.length() / 2;
          out.write(("data: " + data.substring(0, half)).getBytes(StandardCharsets.UTF_8));
          out.flush();
          out.write((data.substring(half) + "\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          at.advance(node, r.records().get(r.records().size() - 1).seq());
          sent++;
          any = true;
        }
      }
    }
    if (sent == 0) {
      sleep(100); // nothing new: hold a little before the end, as a real stream waits
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String status(int code, String message) {
    return """
        {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":%s,"code":%d}"""
        .formatted(quote(message), code);
  }

  static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void send(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  public static String asJson(Object o) {
    return new KubernetesSerialization().asJson(o);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
