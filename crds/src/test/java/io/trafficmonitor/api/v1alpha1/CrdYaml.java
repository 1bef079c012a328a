package io.trafficmonitor.api.v1alpha1;

import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Generates the TrafficMonitor CRD from the Java model with fabric8's CRD generator, then adds what
 * the generator has no annotation for: the list-map topology of {@code status.nodes} (keyed by
 * node, so that each agent owns its own entry under server-side apply) and of {@code
 * status.conditions} (keyed by type).
 */
final class CrdYaml {

  static final String FILE_NAME = TrafficMonitor.CRD_NAME + "-v1.yml";

  /** Where the generated CRD is committed, relative to the repository root. */
  static final List<String> COMMITTED =
      List.of("crds/" + FILE_NAME, "charts/trafficmonitor/crds/" + FILE_NAME);

  static final String HEADER =
      "# Generated from the Java model in crds/src/main/java by CrdDriftTest; do not edit.\n"
          + "# Regenerate: mvn -pl crds test -Dtest=CrdDriftTest -Dtm.crd.update=true\n";

  private CrdYaml() {}

  static String generate() throws IOException {
    Path dir = Files.createTempDirectory("crd");
    try {
      new CRDGenerator()
          .customResourceClasses(TrafficMonitor.class)
          .forCRDVersions("v1")
          .inOutputDir(dir.toFile())
          .generate();
      CustomResourceDefinition crd;
      try (InputStream in = Files.newInputStream(dir.resolve(FILE_NAME))) {
        crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
      }
      orderPrinterColumns(crd);
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
      return HEADER + Serialization.asYaml(crd);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  /** kubectl prints columns in CRD order; the generator sorts them, the annotations say. */
  private static void orderPrinterColumns(CustomResourceDefinition crd) {
    List<String> order =
        java.util.Arrays.stream(
                TrafficMonitor.class.getAnnotationsByType(
                    io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.class))
            .map(io.fabric8.crd.generator.annotation.AdditionalPrinterColumn::name)
            .toList();
    var version = crd.getSpec().getVersions().get(0);
    version.setAdditionalPrinterColumns(
        version.getAdditionalPrinterColumns().stream()
            .sorted(java.util.Comparator.comparingInt(c -> order.indexOf(c.getName())))
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
              : java.util.stream.Stream.concat(
                      item.getRequired().stream(), java.util.stream.Stream.of(key))
                  .toList());
    }
  }
}
