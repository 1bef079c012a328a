package io.trafficmonitor.operator.live;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stand-ins for the agents of a few nodes, as the operator sees them: one Vert.x HTTP server on
 * every address at one port, which tells a node by the address it is called at (its agent pod's).
 * Each node closes a record per interval (three pods and an interface with traffic, as a small
 * monitor has) and keeps the last 1,024; it answers {@code GET /api/v1/status} (one entry for the
 * monitor) and the monitor's intervals, polled or streamed as the agent's IntervalsResource does:
 * an event per interval per stream, its data an {@link IntervalReport} of the records not sent yet.
 * Everything runs on one event loop.
 */
final class IntervalAgents implements AutoCloseable {
  private static final int KEPT = 1024;
  private static final String[] PODS = {"web-7d9f-x2kq8", "web-7d9f-p9lm4", "db-0"};

  private final Vertx vertx;
  private final Context ctx;
  private final String namespace;
  private final String name;
  private final Map<String, Node> byAddress = new ConcurrentHashMap<>();
  private final HttpServer server;
  private volatile String uid;
  private volatile long generation = 1;
  private long intervalNanos;
  private long timer = -1;

  /** One node's records and the streams that follow them; touched on the event loop only. */
  private final class Node {
    final String name;
    final int k;
    final IntervalReport.Interval[] kept = new IntervalReport.Interval[KEPT];
    final List<Follower> streams = new ArrayList<>();
    long last;
    long rx;
    long tx;

    Node(String name, int k) {
      this.name = name;
      this.k = k;
    }

    long first() {
      return last == 0 ? 0 : Math.max(1, last - KEPT + 1);
    }

    IntervalReport after(long after) {
      List<IntervalReport.Interval> out = new ArrayList<>();
      for (long s = Math.max(after + 1, first()); s <= last && last > 0; s++) {
        out.add(kept[(int) (s % KEPT)]);
      }
      return new IntervalReport(
          name,
          namespace,
          IntervalAgents.this.name,
          intervalNanos,
          first(),
          last,
          after + 1 < first(),
          out);
    }

    /** Closes the next record: about 1 MB/s in and 300 kB/s out, spread over the pods. */
    void close() {
      long seq = ++last;
      long in = 1_000_000L * intervalNanos / 1_000_000_000L + (seq * 7_919 + k * 104_729) % 997;
      long out = in * 3 / 10;
      rx += in;
      tx += out;
      List<IntervalReport.Counts> pods = new ArrayList<>(PODS.length);
      for (int i = 0; i < PODS.length; i++) {
        long share = (i + 1) * 100 / 6; // 1/6, 2/6, 3/6
        pods.add(
            new IntervalReport.Counts(
                namespace,
                PODS[i],
                in * share / 100,
                out * share / 100,
                in * share / 90_000,
                out * share / 70_000));
      }
      kept[(int) (seq % KEPT)] =
          new IntervalReport.Interval(
              seq,
              Instant.now().toString(),
              intervalNanos,
              in,
              out,
              in / 900,
              out / 700,
              pods,
              List.of(new IntervalReport.Counts(null, "eth0", in, out, in / 900, out / 700)));
      Buffer one = null;
      for (Follower f : List.copyOf(streams)) {
        if (f.resp.closed()) {
          streams.remove(f);
        } else if (f.sent == seq - 1) {
          if (one == null) {
            one = event(after(seq - 1));
          }
          f.resp.write(one);
        } else {
          f.resp.write(event(after(f.sent)));
        }
        f.sent = seq;
      }
    }
  }

  /** A stream's response and the last record it sent. */
  private static final class Follower {
    final HttpServerResponse resp;
    long sent;

    Follower(HttpServerResponse resp, long sent) {
      this.resp = resp;
      this.sent = sent;
    }
  }

  private static Buffer event(IntervalReport r) {
    return Buffer.buffer("data:" + Serialization.asJson(r) + "\n\n");
  }

  /** Agents of the monitor {@code namespace/name} on {@code port} of every address. */
  IntervalAgents(Vertx vertx, int port, String namespace, String name, Duration interval) {
    this.vertx = vertx;
    this.ctx = vertx.getOrCreateContext();
    this.namespace = namespace;
    this.name = name;
    CompletableFuture<HttpServer> started = new CompletableFuture<>();
    ctx.runOnContext(
        v ->
            vertx
                .createHttpServer()
                .requestHandler(this::handle)
                .listen(port, "0.0.0.0")
                .onComplete(
                    r -> {
                      if (r.succeeded()) {
                        started.complete(r.result());
                      } else {
                        started.completeExceptionally(r.cause());
                      }
                    }));
    this.server = started.join();
    interval(interval);
  }

  /** The agent at {@code address} is node {@code node}'s (the k-th). */
  void serve(String address, String node, int k) {
    byAddress.put(address, new Node(node, k));
  }

  /** The monitor's uid and generation, for the status entries. */
  void monitor(String uid, long generation) {
    this.uid = uid;
    this.generation = generation;
  }

  /** Closes a record every {@code interval} from now on, on every node. */
  void interval(Duration interval) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ctx.runOnContext(
        v -> {
          if (timer >= 0) {
            vertx.cancelTimer(timer);
          }
          intervalNanos = interval.toNanos();
          timer =
              vertx.setPeriodic(
                  Math.max(1, interval.toMillis()), t -> byAddress.values().forEach(Node::close));
          done.complete(null);
        });
    done.join();
  }

  /** Streams open now, on all nodes. */
  int streams() {
    CompletableFuture<Integer> n = new CompletableFuture<>();
    ctx.runOnContext(
        v -> n.complete(byAddress.values().stream().mapToInt(x -> x.streams.size()).sum()));
    return n.join();
  }

  private void handle(HttpServerRequest req) {
    Node node = byAddress.get(req.localAddress().hostAddress());
    HttpServerResponse resp = req.response();
    String path = req.path();
    String intervals =
        IntervalReport.NAMESPACED_PATH.replace("{namespace}", namespace).replace("{name}", name);
    if (node == null) {
      resp.setStatusCode(404).end("no agent at " + req.localAddress().hostAddress());
    } else if (path.equals(AgentReport.PATH)) {
      json(resp, Serialization.asJson(new AgentReport(node.name, List.of(entryOf(node)))));
    } else if (path.equals(intervals)) {
      json(resp, Serialization.asJson(node.after(after(req))));
    } else if (path.equals(intervals + "/stream")) {
      resp.setChunked(true).putHeader("Content-Type", "text/event-stream");
      Follower f = new Follower(resp, Math.max(after(req), node.first() - 1));
      node.streams.add(f);
      resp.closeHandler(v -> node.streams.remove(f));
      resp.write(""); // the headers now, as Quarkus sends them before the first event
    } else {
      resp.setStatusCode(404).end("this agent serves no TrafficMonitor at " + path);
    }
  }

  private static long after(HttpServerRequest req) {
    String a = req.getParam("after");
    return a == null ? 0 : Long.parseLong(a);
  }

  private NodeStatus entry(Node node) {
    NodeStatus s = new NodeStatus();
    s.setNode(node.name);
    s.setObservedGeneration(generation);
    s.setPods(PODS.length);
    s.setInterfaces(1);
    s.setRxBytes(node.rx);
    s.setTxBytes(node.tx);
    s.setRxPackets(node.rx / 900);
    s.setTxPackets(node.tx / 700);
    s.setLastUpdate(Instant.now().toString());
    return s;
  }

  private AgentReport.Entry entryOf(Node node) {
    return new AgentReport.Entry(namespace, name, uid, entry(node));
  }

  private static void json(HttpServerResponse resp, String body) {
    resp.putHeader("Content-Type", "application/json").end(body);
  }

  @Override
  public void close() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ctx.runOnContext(
        v -> {
          if (timer >= 0) {
            vertx.cancelTimer(timer);
          }
          byAddress.values().forEach(n -> List.copyOf(n.streams).forEach(f -> f.resp.reset()));
          server.close().onComplete(r -> done.complete(null));
        });
    done.join();
  }
}
