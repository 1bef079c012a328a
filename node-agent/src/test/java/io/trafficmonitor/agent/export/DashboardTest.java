package io.trafficmonitor.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chart's Grafana dashboard as a user imports it: the schema version and the datasource
 * templating a user expects, and every query reading only families and labels that the metrics
 * model (docs/metrics.md, which {@link MetricsModelTest} holds the agent to) defines. The queries'
 * values against ground truth are RealNodesE2E's to check.
 */
class DashboardTest {
  static final Path DASHBOARD =
      Path.of(System.getProperty("basedir", "."))
          .resolve("../charts/trafficmonitor/files/dashboard.json")
          .normalize();

  /** Grafana 9.0's schema; older versions cannot import the panels as written. */
  static final int MIN_SCHEMA_VERSION = 36;

  private static final Pattern FAMILY = Pattern.compile("\\b(trafficmonitor_[a-z0-9_]+)");
  private static final Pattern SELECTOR =
      Pattern.compile("\\b(trafficmonitor_[a-z0-9_]+)\\{([^}]*)}");
  private static final Pattern MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)");
  private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)");

  /** Labels a query may use beyond a family's: the histogram bucket and the target's. */
  private static final Set<String> EXTRA = Set.of("le", "node", "instance", "job");

  @Test
  void theDashboardIsImportableAndTemplatedByDatasource() throws Exception {
    JsonNode d = new ObjectMapper().readTree(Files.readString(DASHBOARD));
    assertThat(d.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(MIN_SCHEMA_VERSION);
    assertThat(d.path("uid").asText()).isNotBlank();
    JsonNode first = d.path("templating").path("list").get(0);
    assertThat(first.path("name").asText()).isEqualTo("datasource");
    assertThat(first.path("type").asText()).isEqualTo("datasource");
    assertThat(first.path("query").asText()).isEqualTo("prometheus");
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : d.path("panels")) {
      assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique").isTrue();
      assertThat(panel.path("title").asText()).isNotBlank();
      assertThat(panel.path("datasource").path("uid").asText())
          .as(panel.path("title").asText())
          .isEqualTo("${datasource}");
      assertThat(panel.path("targets")).isNotEmpty();
      for (JsonNode target : panel.path("targets")) {
        assertThat(target.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
      }
    }
    for (JsonNode variable : d.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        assertThat(variable.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
      }
    }
  }

  @Test
  void everyQueryReadsFamiliesAndLabelsOfTheMetricsModel() throws Exception {
    Map<String, MetricsModelTest.Family> model =
        MetricsModelTest.documented(Files.readString(MetricsModelTest.DOC));
    JsonNode d = new ObjectMapper().readTree(Files.readString(DASHBOARD));
    int queries = 0;
    for (String expr : expressions(d)) {
      queries++;
      Set<String> allowed = new TreeSet<>(EXTRA);
      Matcher f = FAMILY.matcher(expr);
      while (f.find()) {
        String family = family(f.group(1), model);
        assertThat(family).as("%s in %s is in docs/metrics.md", f.group(1), expr).isNotNull();
        allowed.addAll(model.get(family).labels());
      }
      Matcher s = SELECTOR.matcher(expr);
      while (s.find()) {
        Set<String> own = new TreeSet<>(model.get(family(s.group(1), model)).labels());
        own.addAll(EXTRA);
        Matcher m = MATCHER.matcher(s.group(2));
        while (m.find()) {
          assertThat(own).as("%s selects on a label it has", s.group(1)).contains(m.group(1));
        }
      }
      Matcher g = GROUPING.matcher(expr);
      while (g.find()) {
        for (String label : g.group(1).split(",")) {
          assertThat(allowed).as("grouping of %s", expr).contains(label.trim());
        }
      }
    }
    assertThat(queries).isGreaterThan(10);
  }

  /** The model's family of a sample name: itself, or a histogram's without its suffix. */
  private static String family(String name, Map<String, MetricsModelTest.Family> model) {
    if (model.containsKey(name)) {
      return name;
    }
    for (String suffix : MetricsModelTest.HISTOGRAM_SUFFIXES) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if (model.containsKey(base) && model.get(base).type().equals("histogram")) {
          return base;
        }
      }
    }
    return null;
  }

  /** Every panel target's and variable's query. */
  static Set<String> expressions(JsonNode dashboard) {
    Set<String> out = new TreeSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        out.add(target.path("expr").asText());
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        out.add(variable.path("query").asText());
      }
    }
    return out;
  }
}
