package io.trafficmonitor.operator.live;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.access.MonitorAccess;
import io.trafficmonitor.api.agent.IntervalReport;
import io.trafficmonitor.api.live.IntervalCursor;
import io.trafficmonitor.api.live.IntervalReportList;
import io.trafficmonitor.api.live.LiveApi;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.operator.agents.OperatorToken;
import io.trafficmonitor.operator.model.AgentDaemonSet;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jboss.logging.Logger;

/**
 * The live API ({@link LiveApi}) behind the API server: an HTTPS server that only the API server
 * may call (its proxy client certificate, {@link FrontProxy}), which checks that the caller it
 * names may get the monitor ({@link MonitorAccess}) and then reads the monitor's records from every
 * agent ({@link AgentIntervals}). Every replica serves it (the APIService's Service selects them
 * all): it writes nothing and needs no leadership.
 */
public final class LiveApiServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LiveApiServer.class);

  /** A node's stream that ended before the response's end is opened again after this long. */
  private static final long RESTREAM_MILLIS = 1_000;

  private final KubernetesClient client;
  private final AgentIntervals agents;
  private final StreamBudget budget = new StreamBudget(StreamBudget.MAX_BYTES);
  private final FrontProxy frontProxy;

  /**
   * The agent pods, watched by every replica (a standby runs no reconciler's informers), each kept
   * as its node, address and deletion mark only; read by each request instead of a list.
   */
  private final SharedIndexInformer<Pod> agentPods;

  private HttpServer server;

  LiveApiServer(
      KubernetesClient client, String agentNamespace, AgentIntervals agents, FrontProxy proxy) {
    this.client = client;
    this.agents = agents;
    this.frontProxy = proxy;
    this.agentPods =
        client
            .pods()
            .inNamespace(agentNamespace)
            .withLabel("app.kubernetes.io/name", AgentDaemonSet.NAME)
            .runnableInformer(0);
    agentPods.itemStore(
        new ReducedStateItemStore<>(
            ReducedStateItemStore.UID_KEY_STATE,
            Pod.class,
            client.getKubernetesSerialization(),
            "spec.nodeName",
            "status.podIP",
            "metadata.deletionTimestamp",
            "metadata.name",
            "metadata.namespace"));
  }

  /**
   * Starts the live API on {@code settings}' port when it has a certificate and the API server
   * publishes its request-header CA; otherwise says why not and returns null.
   */
  public static LiveApiServer start(
      Vertx vertx,
      KubernetesClient client,
      String agentNamespace,
      int agentPort,
      LiveSettings settings) {
    return start(vertx, client, agentNamespace, agentPort, null, settings);
  }

  /**
   * As {@link #start(Vertx, KubernetesClient, String, int, LiveSettings)}, calling the agents over
   * HTTPS with {@code agentTls} ({@code AgentSettings.agentTls}; null: plain HTTP).
   */
  public static LiveApiServer start(
      Vertx vertx,
      KubernetesClient client,
      String agentNamespace,
      int agentPort,
      SSLContext agentTls,
      LiveSettings settings) {
    if (settings.port() == 0) {
      return null;
    }
    if (!settings.certificatePresent()) {
      LOG.infof(
          "the live API (%s) is off: no serving certificate in %s (the chart mounts one)",
          LiveApi.API_SERVICE, settings.tlsDir());
      return null;
    }
    FrontProxy proxy;
    try {
      proxy = FrontProxy.read(client);
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "the live API is off: cannot read %s/%s (%s)",
          FrontProxy.NAMESPACE, FrontProxy.CONFIG_MAP, e.getMessage());
      return null;
    }
    if (proxy == null) {
      LOG.warnf(
          "the live API is off: the API server publishes no request-header CA in %s/%s (its"
              + " aggregation layer is not configured)",
          FrontProxy.NAMESPACE, FrontProxy.CONFIG_MAP);
      return null;
    }
    LiveApiServer s =
        new LiveApiServer(
            client,
            agentNamespace,
            new AgentIntervals(agentPort, OperatorToken.of(client), agentTls),
            proxy);
    s.listen(vertx, settings);
    return s;
  }

  private void listen(Vertx vertx, LiveSettings settings) {
    agentPods.run(); // the first list before the first request
    Router router = Router.router(vertx);
    router.get(LiveApi.BASE).handler(this::discovery);
    // The API server merges every aggregated API's OpenAPI: this one adds no schema to it.
    router
        .get("/openapi/v2")
        .handler(
            rc ->
                peerChecked(
                    rc,
                    "{\"swagger\":\"2.0\",\"info\":{\"title\":\""
                        + LiveApi.API_SERVICE
                        + "\",\"version\":\""
                        + LiveApi.VERSION
                        + "\"},\"paths\":{}}"));
    router.get("/openapi/v3").handler(rc -> peerChecked(rc, "{\"paths\":{}}"));
    router
        .get(LiveApi.BASE + "/namespaces/:namespace/trafficmonitors/:name/" + LiveApi.SUBRESOURCE)
        .blockingHandler(rc -> poll(rc, rc.pathParam("namespace")), false);
    router
        .get(LiveApi.BASE + "/clustertrafficmonitors/:name/" + LiveApi.SUBRESOURCE)
        .blockingHandler(rc -> poll(rc, null), false);
    router
        .get(
            LiveApi.BASE
                + "/namespaces/:namespace/trafficmonitors/:name/"
                + LiveApi.SUBRESOURCE
                + "/stream")
        .blockingHandler(rc -> stream(rc, rc.pathParam("namespace")), false);
    router
        .get(LiveApi.BASE + "/clustertrafficmonitors/:name/" + LiveApi.SUBRESOURCE + "/stream")
        .blockingHandler(rc -> stream(rc, null), false);
    for (String which : List.of(LiveApi.REALTIME, LiveApi.SUMMARY)) {
      router
          .get(LiveApi.BASE + "/namespaces/:namespace/trafficmonitors/:name/" + which)
          .blockingHandler(rc -> snapshot(rc, rc.pathParam("namespace"), which), false);
      router
          .get(LiveApi.BASE + "/clustertrafficmonitors/:name/" + which)
          .blockingHandler(rc -> snapshot(rc, null, which), false);
    }
    router.route().handler(rc -> status(rc.response(), 404, "NotFound", "no such path"));
    HttpServerOptions options =
        new HttpServerOptions()
            .setPort(settings.port())
            .setSsl(true)
            .setKeyCertOptions(
                new PemKeyCertOptions()
                    .setCertPath(settings.certFile().toString())
                    .setKeyPath(settings.keyFile().toString()))
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(frontProxy.caPem())))
            .setClientAuth(ClientAuth.REQUIRED);
    server =
        vertx
            .createHttpServer(options)
            .requestHandler(router)
            .listen()
            .toCompletionStage()
            .toCompletableFuture()
            .join();
    LOG.infof(
        "live API %s served on port %d (callers: the API server's proxy certificate%s)",
        LiveApi.API_SERVICE,
        server.actualPort(),
        frontProxy.allowedNames().isEmpty() ? "" : " named " + frontProxy.allowedNames());
  }

  /** The port it listens on. */
  public int port() {
    return server.actualPort();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    agentPods.close();
  }

  /** Answers {@code json} when the caller is the API server, else 401. */
  private void peerChecked(RoutingContext rc, String json) {
    if (fromApiServer(rc)) {
      json(rc.response(), 200, json);
    }
  }

  private boolean fromApiServer(RoutingContext rc) {
    try {
      frontProxy.checkPeer(rc.request().connection().peerCertificates());
      return true;
    } catch (FrontProxy.NotAuthenticated | SSLPeerUnverifiedException e) {
      status(rc.response(), 401, "Unauthorized", e.getMessage());
      return false;
    }
  }

  /** The API server's discovery of this group version (also its availability check). */
  private void discovery(RoutingContext rc) {
    if (!fromApiServer(rc)) {
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", "APIResourceList");
    body.put("apiVersion", "v1");
    body.put("groupVersion", LiveApi.GROUP + "/" + LiveApi.VERSION);
    body.put(
        "resources",
        List.of(
            resource("trafficmonitors/" + LiveApi.SUBRESOURCE, true, "IntervalReportList"),
            resource("clustertrafficmonitors/" + LiveApi.SUBRESOURCE, false, "IntervalReportList"),
            resource("trafficmonitors/" + LiveApi.REALTIME, true, "RealtimeReportList"),
            resource("clustertrafficmonitors/" + LiveApi.REALTIME, false, "RealtimeReportList"),
            resource("trafficmonitors/" + LiveApi.SUMMARY, true, "SummaryReportList"),
            resource("clustertrafficmonitors/" + LiveApi.SUMMARY, false, "SummaryReportList")));
    json(rc.response(), 200, Serialization.asJson(body));
  }

  private static Map<String, Object> resource(String name, boolean namespaced, String kind) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("name", name);
    r.put("singularName", "");
    r.put("namespaced", namespaced);
    r.put("kind", kind);
    r.put("verbs", List.of("get"));
    return r;
  }

  /** The caller the API server names, or null after answering 401. */
  private MonitorAccess.Caller caller(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    try {
      return frontProxy.caller(
          req.connection().peerCertificates(),
          h -> req.headers().getAll(h),
          new ArrayList<>(req.headers().names()));
    } catch (FrontProxy.NotAuthenticated | SSLPeerUnverifiedException e) {
      status(rc.response(), 401, "Unauthorized", e.getMessage());
      return null;
    }
  }

  /**
   * Checks the caller and the monitor; answers the refusal and returns false when the request must
   * not go on.
   */
  private boolean admitted(RoutingContext rc, String namespace, String name) {
    MonitorAccess.Caller caller = caller(rc);
    if (caller == null) {
      return false;
    }
    String what =
        namespace == null
            ? "clustertrafficmonitors " + name
            : "trafficmonitors " + name + " in namespace " + namespace;
    try {
      String refusal = MonitorAccess.refusal(client, caller, namespace, name);
      if (refusal != null) {
        status(rc.response(), 403, "Forbidden", refusal);
        return false;
      }
      boolean exists =
          namespace == null
              ? client.resources(ClusterTrafficMonitor.class).withName(name).get() != null
              : client.resources(TrafficMonitor.class).inNamespace(namespace).withName(name).get()
                  != null;
      if (!exists) {
        status(rc.response(), 404, "NotFound", what + " not found");
        return false;
      }
      return true;
    } catch (KubernetesClientException e) {
      status(
          rc.response(), 503, "ServiceUnavailable", "cannot ask the API server: " + e.getMessage());
      return false;
    }
  }

  /** Node name to agent pod address, for the agents that run (from the watch, no request). */
  Map<String, String> agentAddresses() {
    Map<String, String> out = new TreeMap<>();
    for (Pod p : agentPods.getStore().list()) {
      if (p.getSpec().getNodeName() != null
          && p.getStatus() != null
          && p.getStatus().getPodIP() != null
          && p.getMetadata().getDeletionTimestamp() == null) {
        out.put(p.getSpec().getNodeName(), p.getStatus().getPodIP());
      }
    }
    return out;
  }

  private IntervalCursor cursor(RoutingContext rc) {
    try {
      return IntervalCursor.parse(rc.request().getParam("after"));
    } catch (IllegalArgumentException e) {
      status(rc.response(), 400, "BadRequest", e.getMessage());
      return null;
    }
  }

  private void poll(RoutingContext rc, String namespace) {
    String name = rc.pathParam("name");
    IntervalCursor cursor = cursor(rc);
    if (cursor == null || !admitted(rc, namespace, name)) {
      return;
    }
    List<IntervalReport> items = new ArrayList<>();
    List<String> unreachable =
        askEveryAgent(
            (node, addr) -> pollFrom(addr, namespace, name, cursor.after(node)),
            (node, r) -> {
              items.add(r);
              cursor.advance(node, newest(r));
            });
    json(
        rc.response(),
        200,
        Serialization.asJson(
            new IntervalReportList(
                namespace,
                name,
                cursor.toString(),
                items,
                unreachable.isEmpty() ? null : unreachable)));
  }

  /**
   * Every node's snapshot {@code which} of the monitor, as its agent wrote it, in a list: {@code
   * RealtimeReportList} or {@code SummaryReportList}.
   */
  private void snapshot(RoutingContext rc, String namespace, String which) {
    String name = rc.pathParam("name");
    if (!admitted(rc, namespace, name)) {
      return;
    }
    List<Object> items = new ArrayList<>();
    List<String> unreachable =
        askEveryAgent(
            (node, addr) -> agents.snapshot(addr, namespace, name, which),
            (node, json) -> items.add(Serialization.unmarshal(json, Map.class)));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("apiVersion", LiveApi.GROUP + "/" + LiveApi.VERSION);
    body.put("kind", (which.equals(LiveApi.REALTIME) ? "Realtime" : "Summary") + "ReportList");
    if (namespace != null) {
      body.put("namespace", namespace);
    }
    body.put("name", name);
    body.put("items", items);
    if (!unreachable.isEmpty()) {
      body.put("unreachable", unreachable);
    }
    json(rc.response(), 200, Serialization.asJson(body));
  }

  /**
   * Asks every agent at once ({@code ask} of its node and address) and hands each answer to {@code
   * answered} with its node, in node order; returns the nodes that did not answer, with why. A node
   * whose agent does not serve the monitor (no pod of it there) is neither.
   */
  private <T> List<String> askEveryAgent(
      BiFunction<String, String, CompletableFuture<T>> ask, BiConsumer<String, T> answered) {
    Map<String, CompletableFuture<T>> asked = new LinkedHashMap<>();
    agentAddresses().forEach((node, addr) -> asked.put(node, ask.apply(node, addr)));
    List<String> unreachable = new ArrayList<>();
    asked.forEach(
        (node, f) -> {
          try {
            answered.accept(node, f.get(10, TimeUnit.SECONDS));
          } catch (ExecutionException e) {
            if (!notServedHere(e)) {
              unreachable.add(node + ": " + reason(e.getCause()));
            }
          } catch (Exception e) {
            unreachable.add(node + ": " + reason(e));
          }
        });
    return unreachable;
  }

  /**
   * Whether an agent's answer (or the failure wrapping it) says it serves no pod of the monitor.
   */
  static boolean notServedHere(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof AgentIntervals.AgentError a && a.status == 404;
  }

  /**
   * Whether an agent started again since {@code after} was read from it: it numbers its records
   * from 1 at each start, so its newest is then older than the cursor.
   */
  static boolean restarted(IntervalReport r, long after) {
    return r.last() < after;
  }

  /**
   * A node's records after {@code after}; when its agent {@link #restarted}, its records since
   * then.
   */
  private CompletableFuture<IntervalReport> pollFrom(
      String addr, String namespace, String name, long after) {
    return agents
        .poll(addr, namespace, name, after)
        .thenCompose(
            r ->
                restarted(r, after)
                    ? agents.poll(addr, namespace, name, 0)
                    : CompletableFuture.completedFuture(r));
  }

  /** The newest record a report brings, or its newest kept when it brings none. */
  static long newest(IntervalReport r) {
    List<IntervalReport.Interval> records = r.records();
    return records == null || records.isEmpty() ? r.last() : records.get(records.size() - 1).seq();
  }

  private static String reason(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /**
   * Merges every node's stream into one response for {@link LiveApi#STREAM_SECONDS}: an event per
   * node and interval, each a node's report; a node whose stream ends is asked again from its last
   * record sent.
   */
  private void stream(RoutingContext rc, String namespace) {
    String name = rc.pathParam("name");
    IntervalCursor cursor = cursor(rc);
    if (cursor == null || !admitted(rc, namespace, name)) {
      return;
    }
    Merge merge = new Merge(rc, namespace, name);
    rc.vertx().setTimer(LiveApi.STREAM_SECONDS * 1000L, t -> merge.finish());
    agentAddresses()
        .forEach(
            (node, addr) -> {
              merge.last.put(node, cursor.after(node));
              merge.follow(node, addr);
            });
  }

  /** One stream response and the agents' streams merged into it. */
  private final class Merge {
    private final Vertx vertx;
    private final Context ctx;
    private final HttpServerResponse resp;
    private final String namespace;
    private final String name;
    private final Map<String, AgentIntervals.Stream> open = new ConcurrentHashMap<>();
    private final Map<String, Long> last = new ConcurrentHashMap<>();
    private final AtomicBoolean done = new AtomicBoolean();
    // since when the response is unwritable (0: writable); on its context only
    private long stalledSince;

    Merge(RoutingContext rc, String namespace, String name) {
      this.vertx = rc.vertx();
      this.ctx = vertx.getOrCreateContext();
      this.resp = rc.response();
      this.namespace = namespace;
      this.name = name;
      resp.setChunked(true)
          .putHeader("Content-Type", "text/event-stream")
          .putHeader("Cache-Control", "no-cache");
      resp.write(": " + LiveApi.API_SERVICE + "\n\n");
      resp.closeHandler(v -> finish());
    }

    /** Ends the response and every agent stream, once. */
    void finish() {
      if (done.compareAndSet(false, true)) {
        open.values().forEach(AgentIntervals.Stream::cancel);
        ctx.runOnContext(
            v -> {
              if (!resp.ended() && !resp.closed()) {
                resp.end();
              }
            });
      }
    }

    /**
     * Streams {@code node} from its last record sent, from its start when it {@link #restarted}.
     */
    void follow(String node, String addr) {
      if (done.get()) {
        return;
      }
      agents
          .poll(addr, namespace, name, last.get(node))
          .whenComplete(
              (r, failed) -> {
                if (r != null && restarted(r, last.get(node))) {
                  last.put(node, 0L);
                }
                if (failed == null || !notServedHere(failed)) {
                  open(node, addr);
                }
              });
    }

    /**
     * Writes an event, within the replica's {@link StreamBudget}: over it, or with the response
     * unwritable for too long, the stream ends instead (its watcher goes on from its cursor).
     */
    private void send(String event) {
      long bytes = event.length();
      if (!budget.take(bytes)) {
        finish();
        return;
      }
      ctx.runOnContext(
          v -> {
            budget.release(bytes);
            if (done.get() || resp.ended()) {
              return;
            }
            long now = System.nanoTime();
            if (StreamBudget.stalledTooLong(stalledSince, now)) {
              finish();
              return;
            }
            resp.write(event);
            if (resp.writeQueueFull() && stalledSince == 0) {
              stalledSince = now;
              resp.drainHandler(d -> stalledSince = 0);
            }
          });
    }

    private void open(String node, String addr) {
      if (done.get()) {
        return;
      }
      AgentIntervals.Stream s =
          agents.stream(
              addr,
              namespace,
              name,
              last.get(node),
              json -> {
                IntervalReport r = Serialization.unmarshal(json, IntervalReport.class);
                last.merge(node, newest(r), Math::max);
                send("data: " + json + "\n\n");
              },
              failed -> {
                open.remove(node);
                if (!notServedHere(failed) && !done.get()) {
                  vertx.setTimer(RESTREAM_MILLIS, t -> follow(node, addr));
                }
              });
      open.put(node, s);
      if (done.get()) {
        s.cancel();
      }
    }
  }

  private static void status(HttpServerResponse resp, int code, String reason, String message) {
    if (resp.ended()) {
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", "Status");
    body.put("apiVersion", "v1");
    body.put("metadata", Map.of());
    body.put("status", "Failure");
    body.put("message", message);
    body.put("reason", reason);
    body.put("code", code);
    json(resp, code, Serialization.asJson(body));
  }

  private static void json(HttpServerResponse resp, int code, String body) {
    resp.setStatusCode(code).putHeader("Content-Type", "application/json").end(body + "\n");
  }
}
