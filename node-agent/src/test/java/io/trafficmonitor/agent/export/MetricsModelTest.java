package io.trafficmonitor.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.agent.collect.ApplicationSeries;
import io.trafficmonitor.agent.collect.Collector;
import io.trafficmonitor.agent.collect.JitterSeries;
import io.trafficmonitor.agent.collect.PeerSeries;
import io.trafficmonitor.agent.collect.RateWindow;
import io.trafficmonitor.agent.collect.Series;
import io.trafficmonitor.agent.collect.TcpCollector;
import io.trafficmonitor.agent.collect.TcpFlagSeries;
import io.trafficmonitor.agent.target.Target;
import io.trafficmonitor.agent.target.TargetIndex;
import io.trafficmonitor.datapath.flow.DatapathCounters;
import io.trafficmonitor.datapath.tcp.CgroupTcpStats;
import io.trafficmonitor.datapath.tcp.DropKey;
import io.trafficmonitor.datapath.tcp.TcpLayout;
import io.trafficmonitor.datapath.tcp.WindowStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The agent's /metrics against docs/metrics.md, both ways: every family and label set the agent
 * exports is in the doc's tables, and every one the doc lists is exported.
 */
class MetricsModelTest {
  static final Path DOC =
      Path.of(System.getProperty("basedir", ".")).resolve("../docs/metrics.md").normalize();

  /** The labels the Prometheus Operator and the chart's ServiceMonitor give every target. */
  static final Set<String> SCRAPE_LABELS =
      Set.of("job", "instance", "namespace", "service", "pod", "container", "endpoint", "node");

  /** The doc's sentence that lists every label of the agent's own, up to a colon. */
  static final String OWN_LABELS = "The agent's own labels are";

  static final Pattern CODE = Pattern.compile("`([^`]+)`");
  static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? \\S+.*$");
  static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");
  static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_sum", "_count", "_created");

  /** A family as the doc or the scrape has it: its type and its label names. */
  record Family(String type, Set<String> labels) {}

  @Test
  void theAgentExportsExactlyTheFamiliesAndLabelsOfTheMetricsModel() throws Exception {
    String doc = Files.readString(DOC);
    Map<String, Family> documented = documented(doc);
    Map<String, Family> exported = exported(scrapeOfEveryKind());

    assertThat(exported.keySet())
        .as("families the agent exports (left) and the ones %s lists", DOC)
        .containsExactlyInAnyOrderElementsOf(documented.keySet());
    assertThat(exported).as("type and labels of each family").isEqualTo(documented);
    Set<String> all = new TreeSet<>();
    exported.values().forEach(f -> all.addAll(f.labels()));
    assertThat(all).as("labels a scrape adds itself").doesNotContainAnyElementsOf(SCRAPE_LABELS);
    assertThat(all)
        .as("the labels of the sentence \"%s ...:\" in %s", OWN_LABELS, DOC)
        .containsExactlyInAnyOrderElementsOf(ownLabels(doc));
  }

  /** One monitor with a series of every kind, and the node's own metrics. */
  static String scrapeOfEveryKind() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    NodeMetrics node = new NodeMetrics(registry);
    node.collected(
        new Collector.Result(3, 1, 0, 1_000_000),
        100,
        new DatapathCounters(9, 5, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0));
    node.attachErrors(1);
    node.monitors(1);
    AgentMetrics metrics = new AgentMetrics(node, "shop", "web");
    metrics.targets(1, 1);
    Target pod = Target.podCgroup("shop", "a");
    for (Target t :
        List.of(pod, Target.podVeth("shop", "a", "veth1"), Target.nodeInterface("eth0"))) {
      Series s = new Series(new Series.Key(t, "egress", "UDP"));
      metrics.seriesAdded(s);
      metrics.sequenceSeen(s);
      metrics.rateAdded(t, "egress", new RateWindow(1_000_000_000L));
    }
    for (Target t : List.of(pod, Target.nodeInterface("eth0"))) {
      metrics.applicationAdded(
          new ApplicationSeries(new ApplicationSeries.Key(t, "egress", "HTTP")));
      metrics.jitterAdded(new JitterSeries(new JitterSeries.Key(t, "egress")));
      metrics.tcpFlagAdded(new TcpFlagSeries(new TcpFlagSeries.Key(t, "egress", "RST")));
      metrics.peerAdded(
          new PeerSeries(new PeerSeries.Key(t, "egress", "Deployment", "shop", "web")));
    }
    long nodeNetns = 4026531840L;
    long[] buckets = new long[TcpLayout.HIST_BUCKETS];
    new TcpCollector(metrics)
        .collect(
            Map.of(
                100L,
                new CgroupTcpStats(
                    1, 0, 1, 200, 1, 0, 1, 5000, 4, 0, buckets, buckets, windowWithAScale())),
            Map.of(
                new DropKey(100, 1, 5, "TCP_CSUM"), 2L,
                new DropKey(0, nodeNetns, 3, "NO_SOCKET"), 3L),
            new TargetIndex(Map.of(100L, pod), Map.of()),
            nodeNetns);
    return registry.scrape();
  }

  /** Flow-control figures with one connection of window scale 7: its scale series exists. */
  static WindowStats windowWithAScale() {
    long[] scales = new long[TcpLayout.WSCALE_BUCKETS];
    scales[7] = 1;
    return new WindowStats(1, 1, 1, scales);
  }

  /** The trafficmonitor_ families of a scrape in the text format, histograms by their base name. */
  static Map<String, Family> exported(String scrape) {
    Map<String, String> types = new TreeMap<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("# TYPE trafficmonitor_")) {
        String[] f = line.split(" ");
        types.put(f[2], f[3]);
      }
    }
    Map<String, Family> out = new TreeMap<>();
    for (String line : scrape.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches() || !m.group(1).startsWith("trafficmonitor_")) {
        continue;
      }
      String name = m.group(1);
      for (String suffix : HISTOGRAM_SUFFIXES) {
        String base =
            name.substring(0, name.length() - (name.endsWith(suffix) ? suffix.length() : 0));
        if (!base.equals(name) && "histogram".equals(types.get(base))) {
          name = base;
        }
      }
      Set<String> labels = new TreeSet<>();
      Matcher l = LABEL.matcher(m.group(3) == null ? "" : m.group(3));
      while (l.find()) {
        labels.add(l.group(1));
      }
      labels.remove("le");
      Family f = new Family(types.getOrDefault(name, "untyped"), labels);
      Family before = out.putIfAbsent(name, f);
      assertThat(before == null ? f : before)
          .as("every sample of %s has the same labels", name)
          .isEqualTo(f);
    }
    return out;
  }

  /**
   * The families of docs/metrics.md: the prefix table times the measures table, then every table
   * whose first column is a full family name.
   */
  static Map<String, Family> documented(String doc) {
    Map<String, Set<String>> prefixes = new TreeMap<>();
    List<List<String>> measures = new ArrayList<>();
    Map<String, Family> out = new TreeMap<>();
    for (List<List<String>> table : tables(doc)) {
      List<String> header = table.get(0);
      for (List<String> row : table.subList(1, table.size())) {
        switch (header.get(0)) {
          case "prefix" -> prefixes.put(code(row.get(0)).get(0), new TreeSet<>(code(row.get(2))));
          case "family (after the prefix)" -> measures.add(row);
          case "family" -> {
            assertThat(header).startsWith("family", "type", "labels");
            out.put(
                code(row.get(0)).get(0), new Family(row.get(1), new TreeSet<>(code(row.get(2)))));
          }
          default -> {} // not a table of families
        }
      }
    }
    assertThat(prefixes).as("the prefix table of %s", DOC).isNotEmpty();
    assertThat(measures).as("the measures table of %s", DOC).isNotEmpty();
    prefixes.forEach(
        (prefix, labels) -> {
          for (List<String> row : measures) {
            Set<String> all = new TreeSet<>(labels);
            all.addAll(code(row.get(2)));
            out.put(prefix + code(row.get(0)).get(0), new Family(row.get(1), all));
          }
        });
    return out;
  }

  /** The `quoted` names of the sentence that starts with {@link #OWN_LABELS}, up to a colon. */
  static List<String> ownLabels(String doc) {
    String flat = doc.replaceAll("\\s+", " ");
    int at = flat.indexOf(OWN_LABELS);
    assertThat(at).as("%s has a sentence \"%s\"", DOC, OWN_LABELS).isNotNegative();
    int end = flat.indexOf(':', at);
    return code(flat.substring(at, end < 0 ? flat.length() : end));
  }

  /** The markdown tables of a document: rows of trimmed cells, the header first. */
  static List<List<List<String>>> tables(String doc) {
    List<List<List<String>>> tables = new ArrayList<>();
    List<List<String>> table = null;
    for (String line : doc.split("\n")) {
      if (!line.startsWith("|")) {
        table = null;
        continue;
      }
      if (line.matches("^\\|[-|: ]+\\|\\s*$")) {
        continue; // the line under the header
      }
      if (table == null) {
        table = new ArrayList<>();
        tables.add(table);
      }
      List<String> cells = new ArrayList<>();
      for (String c : line.substring(1, line.lastIndexOf('|')).split("\\|", -1)) {
        cells.add(c.trim());
      }
      table.add(cells);
    }
    return tables;
  }

  /** The `quoted` names of a table cell. */
  static List<String> code(String cell) {
    List<String> out = new ArrayList<>();
    Matcher m = CODE.matcher(cell);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
