package io.trafficmonitor.agent.export;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.api.agent.AgentEnvironment;
import io.trafficmonitor.datapath.flow.DatapathCounters;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * The agent's own metrics, one set per node whatever the number of monitors: the collection, the
 * kernel flow map and what became of every packet the programs saw. No monitor label: the kernel
 * state is shared by all monitors of the node. Also owns the node's histogram collector, which the
 * monitors' {@link AgentMetrics} add their series to, and the {@link SeriesBudget} that bounds how
 * many samples of monitor series they export together.
 */
public final class NodeMetrics {
  private final MeterRegistry registry;
  private final Timer collection;
  private final Counter attachErrors;
  private final AtomicLong tracked = new AtomicLong();
  private final AtomicLong unattributed = new AtomicLong();
  private final AtomicLong capacity = new AtomicLong(1);
  private final AtomicLong lost = new AtomicLong();
  private final AtomicLong monitors = new AtomicLong();
  private final AtomicReference<DatapathCounters> datapath =
      new AtomicReference<>(new DatapathCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  private final Histograms histograms = new Histograms();
  private final SeriesBudget budget;

  /** The node's metrics with the default series budget (tests and benchmarks). */
  public NodeMetrics(MeterRegistry registry) {
    this(registry, AgentEnvironment.DEFAULT_MAX_SERIES);
  }

  /** The node's metrics; the monitors' series export at most {@code maxSeries} samples together. */
  public NodeMetrics(MeterRegistry registry, int maxSeries) {
    this.registry = registry;
    this.budget = new SeriesBudget(registry, maxSeries);
    if (registry instanceof PrometheusMeterRegistry p) {
      p.getPrometheusRegistry().register(histograms);
    }
    Gauge.builder("trafficmonitor.flows.capacity", capacity, AtomicLong::get)
        .description(
            "Flows the kernel flow map holds (the largest flows.maxTracked it was made for)")
        .register(registry);
    Gauge.builder("trafficmonitor.monitors.served", monitors, AtomicLong::get)
        .description("Monitors that select this node and that the agent serves")
        .register(registry);
    Tags self = Tags.empty();
    collection =
        Timer.builder("trafficmonitor.collection.duration")
            .description("Time of one collection of the flow map")
            .tags(self)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(100_000))
            .maximumExpectedValue(Duration.ofSeconds(2))
            .register(registry);
    attachErrors =
        Counter.builder("trafficmonitor.attach.errors")
            .description("Failed attempts to attach a program (retried)")
            .tags(self)
            .register(registry);
    Gauge.builder("trafficmonitor.flows.tracked", tracked, AtomicLong::get)
        .description("Flows in the kernel flow map")
        .tags(self)
        .register(registry);
    Gauge.builder("trafficmonitor.flows.unattributed", unattributed, AtomicLong::get)
        .description("Flows whose pod or interface is not known yet")
        .tags(self)
        .register(registry);
    Gauge.builder("trafficmonitor.map.fullness.ratio", this, m -> m.fullness())
        .description("Flow map entries over its capacity")
        .tags(self)
        .register(registry);
    FunctionCounter.builder("trafficmonitor.events.lost", lost, AtomicLong::get)
        .description("Packets the datapath could not account (flow map full, map errors)")
        .tags(self)
        .register(registry);
    // what became of every packet the programs saw: exactly one outcome each
    Map<String, ToDoubleFunction<DatapathCounters>> outcomes = new LinkedHashMap<>();
    outcomes.put("accounted", DatapathCounters::accounted);
    outcomes.put("filtered", DatapathCounters::filtered);
    outcomes.put("map_full", DatapathCounters::mapFull);
    outcomes.put("error", DatapathCounters::errors);
    outcomes.put("non_ip", DatapathCounters::nonIp);
    outcomes.put("truncated", DatapathCounters::truncated);
    outcomes.put("malformed", DatapathCounters::malformed);
    datapathCounters(
        "trafficmonitor.datapath.packets",
        "Packets the flow programs saw, by outcome (the sum is every packet seen)",
        "outcome",
        outcomes);
    Map<String, ToDoubleFunction<DatapathCounters>> untracked = new LinkedHashMap<>();
    untracked.put("sequence_map_full", DatapathCounters::sequenceFull);
    untracked.put("no_sequence_number", DatapathCounters::sequenceMissing);
    untracked.put("jitter_map_full", DatapathCounters::jitterFull);
    datapathCounters(
        "trafficmonitor.datapath.quality.untracked.packets",
        "Packets whose sequence number or inter-arrival time was not tracked, by reason",
        "reason",
        untracked);
  }

  MeterRegistry registry() {
    return registry;
  }

  Histograms histograms() {
    return histograms;
  }

  SeriesBudget budget() {
    return budget;
  }

  /** One counter per label value, each read from the latest datapath counters. */
  private void datapathCounters(
      String name,
      String description,
      String label,
      Map<String, ToDoubleFunction<DatapathCounters>> byValue) {
    byValue.forEach(
        (value, f) ->
            FunctionCounter.builder(name, datapath, r -> f.applyAsDouble(r.get()))
                .description(description)
                .tags(Tags.of(label, value))
                .register(registry));
  }

  /** Self-metrics of one collection. */
  public void collected(Collector.Result r, int capacity, DatapathCounters counters) {
    collection.record(Duration.ofNanos(r.nanos()));
    tracked.set(r.flows());
    unattributed.set(r.unresolved());
    this.capacity.set(Math.max(1, capacity));
    lost.set(counters.mapFull() + counters.errors());
    datapath.set(counters);
  }

  public void attachErrors(int n) {
    attachErrors.increment(n);
  }

  public void monitors(int n) {
    monitors.set(n);
  }

  private double fullness() {
    return (double) tracked.get() / capacity.get();
  }
}
