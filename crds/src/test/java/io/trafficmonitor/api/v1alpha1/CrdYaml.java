package io.trafficmonitor.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Generates the TrafficMonitor and ClusterTrafficMonitor CRDs from the Java model with fabric8's
 * CRD generator, then adds what the generator has no annotation for: the list-map topology of
 * {@code status.nodes} (keyed by node, so that each agent owns its own entry under server-side
 * apply) and of {@code status.conditions} (keyed by type).
 */
final class CrdYaml {

  static final String FILE_NAME = TrafficMonitor.CRD_NAME + "-v1.yml";

  static final String CLUSTER_FILE_NAME = ClusterTrafficMonitor.CRD_NAME + "-v1.yml";

  /** The CRD files, as generated and committed. */
  static final List<String> FILES = List.of(FILE_NAME, CLUSTER_FILE_NAME);

  /** Where the generated CRDs are committed, relative to the repository root. */
  static final String DIRECTORY = "crds/";

  /**
   * Where the chart has them: a template per kind, named by kind (so that {@code helm upgrade}
   * upgrades them, which Helm never does for a chart's {@code crds/}), kept on uninstall.
   */
  static final String CHART_TEMPLATES = "charts/trafficmonitor/templates/";

  /** The chart's template of each CRD file, by the CRD file's name. */
  static final Map<String, String> CHART_FILES =
      Map.of(
          FILE_NAME,
          "crd-trafficmonitors.yaml",
          CLUSTER_FILE_NAME,
          "crd-clustertrafficmonitors.yaml");

  static final String HEADER =
      "# Generated from the Java model in crds/src/main/java by CrdDriftTest; do not edit.\n"
          + "# Regenerate: mvn -pl crds test -Dtest=CrdDriftTest -Dtm.crd.update=true\n";

  private CrdYaml() {}

  /** The generated CRD files, by file name. */
  static Map<String, String> generate() throws IOException {
    Path dir = Files.createTempDirectory("crd");
    try {
      new CRDGenerator()
          .customResourceClasses(TrafficMonitor.class, ClusterTrafficMonitor.class)
          .forCRDVersions("v1")
          .inOutputDir(dir.toFile())
          .generate();
      CustomResourceDefinition namespaced = read(dir.resolve(FILE_NAME));
      CustomResourceDefinition cluster = read(dir.resolve(CLUSTER_FILE_NAME));
      orderPrinterColumns(namespaced);
      cluster
          .getSpec()
          .getVersions()
          .get(0)
          .setAdditionalPrinterColumns(
              namespaced.getSpec().getVersions().get(0).getAdditionalPrinterColumns());
      Map<String, String> out = new LinkedHashMap<>();
      for (CustomResourceDefinition crd : List.of(namespaced, cluster)) {
        JSONSchemaProps status =
            crd.getSpec()
                .getVersions()
                .get(0)
                .getSchema()
                .getOpenAPIV3Schema()
                .getProperties()
                .get("status");
        listMap(status.getProperties().get("nodes"), "node");
        listMap(status.getProperties().get("conditions"), "type");
        out.put(crd.getMetadata().getName() + "-v1.yml", HEADER + Serialization.asYaml(crd));
      }
      return out;
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  /**
   * The chart's template of a generated CRD file: the same CRD, kept when the release is
   * uninstalled (every user's monitors with it), and left out with {@code crds.enabled=false} (CRDs
   * managed apart from the chart).
   */
  static String chartTemplate(String generated) {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            generated.substring(HEADER.length()), CustomResourceDefinition.class);
    crd.getMetadata().setAnnotations(Map.of("helm.sh/resource-policy", "keep"));
    return HEADER + "{{- if .Values.crds.enabled }}\n" + Serialization.asYaml(crd) + "{{- end }}\n";
  }

  private static CustomResourceDefinition read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
  }

  /** kubectl prints columns in CRD order; the generator sorts them, the annotations say. */
  private static void orderPrinterColumns(CustomResourceDefinition crd) {
    List<String> order =
        Arrays.stream(TrafficMonitor.class.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    var version = crd.getSpec().getVersions().get(0);
    version.setAdditionalPrinterColumns(
        version.getAdditionalPrinterColumns().stream()
            .sorted(Comparator.comparingInt(c -> order.indexOf(c.getName())))
            .toList());
  }

  private static void listMap(JSONSchemaProps list, String key) {
    list.setXKubernetesListType("map");
    list.setXKubernetesListMapKeys(List.of(key));
    JSONSchemaProps item = list.getItems().getSchema();
    if (item.getRequired() == null || !item.getRequired().contains(key)) {
      item.setRequired(
          item.getRequired() == null
              ? List.of(key)
              : Stream.concat(item.getRequired().stream(), Stream.of(key)).toList());
    }
  }
}
