package io.trafficmonitor.agent;

import static io.trafficmonitor.agent.Serving.IDLE_POLL_NANOS;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.trafficmonitor.agent.attach.Datapath;
import io.trafficmonitor.agent.export.StatusWriter;
import io.trafficmonitor.agent.spec.MonitorSettings;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import io.trafficmonitor.datapath.tcp.TcpConnection;
import io.trafficmonitor.datapath.tcp.TcpHealth;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The status thread's job: builds each served monitor's entry of {@code status.nodes} at that
 * monitor's status interval (its figures, the TCP connection table, the datapath's errors, the
 * groups of its series the series budget refused), writes it when the agent writes status itself,
 * and keeps the latest for {@link #report}, which is what the operator pulls. API calls happen
 * here, so they never delay a collection.
 */
final class StatusLoop {
  private static final Logger LOG = Logger.getLogger(StatusLoop.class);

  private final Serving serving;
  private final Datapath datapath;
  private final AgentConfig config;
  private final ScheduledExecutorService statusThread;

  /** The serving lock: the TCP connection table is read while no reconcile closes it. */
  private final Object lock;

  StatusLoop(
      Serving serving,
      Datapath datapath,
      AgentConfig config,
      ScheduledExecutorService statusThread) {
    this.serving = serving;
    this.datapath = datapath;
    this.config = config;
    this.statusThread = statusThread;
    this.lock = serving;
  }

  /** One round of the loop: writes the entries due, then schedules the next round. */
  void run() {
    long next = IDLE_POLL_NANOS;
    try {
      next = writeDue(System.nanoTime(), false);
    } catch (RuntimeException e) {
      LOG.warnf("status not written: %s (retrying)", e.getMessage());
    } finally {
      if (!statusThread.isShutdown()) {
        statusThread.schedule(this::run, next, TimeUnit.NANOSECONDS);
      }
    }
  }

  /**
   * Writes the entries whose status interval has passed (all with {@code all}); returns the time
   * until the next one is due.
   */
  private long writeDue(long now, boolean all) {
    long next = Long.MAX_VALUE;
    List<TcpConnection> connections = null;
    for (MonitorRuntime rt : serving.runtimes().values()) {
      MonitorSettings s = rt.settings;
      if (all || now - rt.nextStatus >= 0) {
        if (connections == null) {
          connections = connections();
        }
        try {
          writeStatus(rt, connections);
        } catch (KubernetesClientException e) {
          LOG.warnf("status of %s not written: %s (retrying)", rt.key(), e.getMessage());
        }
        rt.nextStatus = now + s.statusInterval().toNanos();
      }
      next = Math.min(next, rt.nextStatus - now);
    }
    if (connections != null && datapath.tcpHealth() != null) {
      synchronized (lock) {
        TcpHealth tcpHealth = datapath.tcpHealth();
        if (tcpHealth != null) {
          tcpHealth.removeClosed();
        }
      }
    }
    return next == Long.MAX_VALUE ? IDLE_POLL_NANOS : Math.max(IDLE_POLL_NANOS / 20, next);
  }

  private List<TcpConnection> connections() {
    synchronized (lock) {
      TcpHealth tcpHealth = datapath.tcpHealth();
      return tcpHealth == null ? List.of() : tcpHealth.connections();
    }
  }

  private void writeStatus(MonitorRuntime rt, List<TcpConnection> connections) {
    List<String> errs = new ArrayList<>(rt.errors);
    FlowDatapath dp = datapath.flows();
    errs.addAll(
        StatusWriter.datapathErrors(dp == null ? null : dp.counters(), datapath.tcpHealthError()));
    String budget = rt.metrics.budgetError();
    if (budget != null) {
      errs.add(budget);
    }
    rt.tcp.sampleCwnd(connections, rt.index); // once per status interval of the monitor
    NodeStatus st =
        rt.status.build(
            rt.view.snapshot(rt.settings.topN()),
            datapath.tcpHealth() == null ? null : rt.tcp.totals(),
            connections,
            rt.pods,
            rt.interfaces,
            errs,
            Instant.now());
    st.setObservedGeneration(rt.generation);
    st.setIngressHooks(rt.ingressHooks);
    if (config.writesStatus()) {
      rt.status.apply(st);
    }
    rt.lastStatus = st;
  }

  /**
   * Writes every served monitor's entry now, on the status thread (tests); returns the entry of the
   * only monitor served, or null.
   */
  NodeStatus writeNow() throws Exception {
    return statusThread
        .submit(
            () -> {
              writeDue(System.nanoTime(), true);
              Map<String, MonitorRuntime> served = serving.runtimes();
              return served.size() == 1 ? served.values().iterator().next().lastStatus : null;
            })
        .get(30, TimeUnit.SECONDS);
  }

  /**
   * The latest entry of every monitor served (those built at least once), as {@code GET
   * /api/v1/status} answers it: what the operator pulls.
   */
  AgentReport report() {
    List<AgentReport.Entry> entries = new ArrayList<>();
    for (MonitorRuntime rt : serving.runtimes().values()) {
      NodeStatus st = rt.lastStatus;
      if (st != null) {
        entries.add(new AgentReport.Entry(rt.namespace, rt.name, rt.uid, st));
      }
    }
    return new AgentReport(config.nodeName(), entries);
  }
}
