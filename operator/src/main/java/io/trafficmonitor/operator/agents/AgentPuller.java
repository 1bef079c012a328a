package io.trafficmonitor.operator.agents;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.DropReason;
import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.Talker;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.jboss.logging.Logger;

/**
 * Pulls every agent's entries ({@link AgentReport}, {@code GET /api/v1/status} on the agent's port)
 * and keeps the latest of each node, from which every monitor's status is written by its reconcile:
 * one request per node per round whatever the number of monitors, and one status write per monitor
 * per statusInterval whatever the number of nodes. A round runs as often as the shortest
 * statusInterval of the monitors reconciled lately asks (within [{@link #MIN_PERIOD}, {@link
 * #MAX_PERIOD}]); after a round, each monitor whose statusInterval has passed since it was last
 * called is called ({@link #want}): its status is written from entries just pulled, not from
 * entries up to a round old. Only the leader pulls: {@link #start} is called when it leads.
 *
 * <p>An agent that does not answer keeps its last entries, which age until the monitor's status
 * calls it late; an agent pod that is gone (its node deleted, say) takes its entries with it.
 */
public final class AgentPuller implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AgentPuller.class);

  static final Duration MIN_PERIOD = Duration.ofMillis(500);
  static final Duration MAX_PERIOD = Duration.ofSeconds(30);
  static final Duration DEFAULT_PERIOD = Duration.ofSeconds(10);

  /** A monitor's wish for a period lasts this long without a new reconcile. */
  static final Duration WISH_LIFETIME = Duration.ofMinutes(5);

  /** Requests in flight at once, whatever the number of nodes. */
  static final int MAX_IN_FLIGHT = 64;

  /** The entries one agent answered, by monitor uid. */
  private record Pulled(long atNanos, Map<String, NodeStatus> byUid) {}

  /**
   * A monitor's wish: its figures every {@code period}, asked at {@code atNanos}; {@code due} is
   * called after a round once the period has passed since {@code calledNanos}.
   */
  private record Wish(Duration period, long atNanos, Runnable due, long calledNanos) {}

  private final Supplier<String> token;
  private final AgentHttp http;
  private final ScheduledExecutorService timer;
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final Map<String, Pulled> latest = new ConcurrentHashMap<>();
  private final Map<String, Wish> wishes = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong rounds = new AtomicLong();
  private volatile long lastRoundNanos;

  /** A refusal (401, 403: the operator's token or rights) is logged at most once a minute. */
  private static final long REFUSAL_LOG_NANOS = 60_000_000_000L;

  private volatile long lastRefusalLogNanos = System.nanoTime() - REFUSAL_LOG_NANOS;
  private volatile Supplier<Map<String, String>> agents;

  private static final String POOL_PROPERTY = "jdk.httpclient.connectionPoolSize";

  static {
    // The JDK client keeps one idle connection per host without limit, each with its buffers and
    // last response: ~55 KiB per agent (docs/benchmarks/status-scale.md). Read when the first
    // client is made; a value given on the command line wins.
    if (System.getProperty(POOL_PROPERTY) == null) {
      System.setProperty(POOL_PROPERTY, Integer.toString(MAX_IN_FLIGHT));
    }
  }

  /** Pulls agents on {@code port} (the agent DaemonSet's HTTP port), without a token. */
  public AgentPuller(int port) {
    this(port, () -> null);
  }

  /**
   * Pulls agents on {@code port} (the agent DaemonSet's HTTP port) with {@code token}: the agents
   * give every monitor's entries only to whoever may write every monitor's status.
   */
  public AgentPuller(int port, Supplier<String> token) {
    this(port, token, null);
  }

  /**
   * Pulls agents over HTTPS with {@code tls} ({@link AgentSettings#agentTls}), or plain HTTP when
   * it is null.
   */
  public AgentPuller(int port, Supplier<String> token, SSLContext tls) {
    this.token = token;
    this.http = new AgentHttp(port, tls, "agent-puller-http");
    this.timer = Executors.newSingleThreadScheduledExecutor(AgentHttp.daemon("agent-puller"));
  }

  /**
   * Starts pulling, round after round, the agents {@code addresses} names (node to address); a
   * second call changes nothing.
   */
  public synchronized void start(Supplier<Map<String, String>> addresses) {
    if (agents != null) {
      return;
    }
    agents = addresses;
    timer.schedule(this::loop, 0, TimeUnit.MILLISECONDS);
  }

  /**
   * A monitor (its uid) wants its figures at least every {@code statusInterval}, and {@code due}
   * called after the first round that ends once that much time has passed since it was last called
   * (at once after the next round when it never was). The wish lasts {@link #WISH_LIFETIME}; each
   * call renews it.
   */
  public void want(String uid, Duration statusInterval, Runnable due) {
    if (uid != null) {
      long now = System.nanoTime();
      wishes.compute(
          uid,
          (k, before) ->
              new Wish(
                  statusInterval,
                  now,
                  due,
                  before == null ? now - statusInterval.toNanos() : before.calledNanos()));
    }
  }

  /**
   * Calls the monitors whose period has passed since they were last called; a round that ends up to
   * half a round early still counts, so that a monitor whose period sets the rounds' is called
   * after every round.
   */
  void callDue(Duration roundPeriod) {
    long now = System.nanoTime();
    long slack = roundPeriod.toNanos() / 2;
    for (Map.Entry<String, Wish> e : wishes.entrySet()) {
      Wish w = e.getValue();
      if (now - w.calledNanos() >= w.period().toNanos() - slack
          && wishes.replace(e.getKey(), w, new Wish(w.period(), w.atNanos(), w.due(), now))) {
        try {
          w.due().run();
        } catch (RuntimeException ex) {
          LOG.warnf("after pulling, the status of monitor %s: %s", e.getKey(), ex.toString());
        }
      }
    }
  }

  /** The latest entries of monitor {@code uid}, one per node whose agent reported it. */
  public List<NodeStatus> entries(String uid) {
    List<NodeStatus> out = new ArrayList<>();
    for (Pulled p : latest.values()) {
      NodeStatus s = p.byUid().get(uid);
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  /** Time between rounds now: the shortest period wished for lately. */
  Duration period() {
    long now = System.nanoTime();
    Duration shortest = null;
    for (var it = wishes.entrySet().iterator(); it.hasNext(); ) {
      Wish w = it.next().getValue();
      if (now - w.atNanos() > WISH_LIFETIME.toNanos()) {
        it.remove();
      } else if (shortest == null || w.period().compareTo(shortest) < 0) {
        shortest = w.period();
      }
    }
    Duration p = shortest == null ? DEFAULT_PERIOD : shortest;
    return p.compareTo(MIN_PERIOD) < 0 ? MIN_PERIOD : p.compareTo(MAX_PERIOD) > 0 ? MAX_PERIOD : p;
  }

  private void loop() {
    long start = System.nanoTime();
    Duration period = period();
    try {
      round(period).get(period.multipliedBy(2).toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warnf("pulling the agents' figures: %s (retrying)", e.toString());
    } finally {
      callDue(period);
      long elapsed = System.nanoTime() - start;
      if (!timer.isShutdown()) {
        timer.schedule(this::loop, Math.max(0, period.toNanos() - elapsed), TimeUnit.NANOSECONDS);
      }
    }
  }

  /** One round: every agent asked once (at most {@link #MAX_IN_FLIGHT} at a time). */
  CompletableFuture<Void> round(Duration timeout) throws InterruptedException {
    Map<String, String> now;
    try {
      now = agents == null ? Map.of() : new HashMap<>(agents.get());
    } catch (RuntimeException e) { // the informers are not up yet
      LOG.debugf("agents not known yet: %s", e.getMessage());
      return CompletableFuture.completedFuture(null);
    }
    latest.keySet().retainAll(now.keySet()); // an agent pod gone takes its entries with it
    long t0 = System.nanoTime();
    List<CompletableFuture<Void>> all = new ArrayList<>(now.size());
    Duration requestTimeout =
        timeout.compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : timeout;
    for (Map.Entry<String, String> agent : now.entrySet()) {
      inFlight.acquire();
      all.add(pull(agent.getKey(), agent.getValue(), requestTimeout));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .whenComplete(
            (v, e) -> {
              rounds.incrementAndGet();
              lastRoundNanos = System.nanoTime() - t0;
            });
  }

  private CompletableFuture<Void> pull(String node, String address, Duration timeout) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(http.uri(address, AgentReport.PATH)).timeout(timeout).GET();
    String bearer = token.get();
    if (bearer != null && !bearer.isBlank()) {
      builder.header("Authorization", "Bearer " + bearer);
    }
    HttpRequest request = builder.build();
    requests.incrementAndGet();
    return http.client()
        .sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              inFlight.release();
              if (error != null || response.statusCode() != 200) {
                failures.incrementAndGet();
                if (response != null
                    && (response.statusCode() == 401 || response.statusCode() == 403)
                    && System.nanoTime() - lastRefusalLogNanos > REFUSAL_LOG_NANOS) {
                  lastRefusalLogNanos = System.nanoTime();
                  LOG.warnf(
                      "the agent of node %s refuses the operator (HTTP %d): %s",
                      node, response.statusCode(), response.body().strip());
                }
                LOG.debugf(
                    "agent of node %s at %s: %s",
                    node,
                    address,
                    error != null ? error.toString() : "HTTP " + response.statusCode());
                return null;
              }
              try {
                AgentReport report = Serialization.unmarshal(response.body(), AgentReport.class);
                Map<String, NodeStatus> byUid = new HashMap<>();
                for (AgentReport.Entry e : report.monitors()) {
                  if (e.uid() != null && e.status() != null) {
                    e.status().setNode(node);
                    byUid.put(e.uid(), shared(e.status()));
                  }
                }
                latest.put(node, new Pulled(System.nanoTime(), byUid));
              } catch (RuntimeException e) {
                failures.incrementAndGet();
                LOG.warnf("agent of node %s answered what is not a report: %s", node, e);
              }
              return null;
            });
  }

  /**
   * {@code s} with its strings shared with every other entry that holds the same (the JVM's string
   * table): the same addresses, pods, protocols and timestamps come in the entries of every monitor
   * of a node and round after round, and the entries are kept for every node and monitor.
   */
  static NodeStatus shared(NodeStatus s) {
    s.setNode(intern(s.getNode()));
    s.setLastUpdate(intern(s.getLastUpdate()));
    if (s.getErrors() != null) {
      s.setErrors(s.getErrors().stream().map(AgentPuller::intern).toList());
    }
    if (s.getTopFlows() != null) {
      for (Flow f : s.getTopFlows()) {
        f.setSource(intern(f.getSource()));
        f.setDestination(intern(f.getDestination()));
        f.setProtocol(intern(f.getProtocol()));
        f.setPod(intern(f.getPod()));
        f.setNode(intern(f.getNode()));
        f.setApplication(intern(f.getApplication()));
      }
    }
    if (s.getTopTalkers() != null) {
      for (Talker t : s.getTopTalkers()) {
        t.setAddress(intern(t.getAddress()));
      }
    }
    if (s.getDropReasons() != null) {
      for (DropReason d : s.getDropReasons()) {
        d.setReason(intern(d.getReason()));
      }
    }
    return s;
  }

  private static String intern(String v) {
    return v == null ? null : v.intern();
  }

  /** Requests, failures, rounds and the last round's duration, as operator metrics. */
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder("trafficmonitor.operator.agent.pulls", requests, AtomicLong::get)
        .description("Requests for an agent's figures (GET /api/v1/status)")
        .register(registry);
    FunctionCounter.builder(
            "trafficmonitor.operator.agent.pull.failures", failures, AtomicLong::get)
        .description("Requests for an agent's figures that failed or timed out")
        .register(registry);
    Gauge.builder("trafficmonitor.operator.agent.pull.round", this, p -> p.lastRoundNanos / 1e9)
        .description("Time the last round over every agent took")
        .baseUnit("seconds")
        .register(registry);
  }

  public long requests() {
    return requests.get();
  }

  public long failures() {
    return failures.get();
  }

  public long rounds() {
    return rounds.get();
  }

  /** Nanoseconds the last round took. */
  public long lastRoundNanos() {
    return lastRoundNanos;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
