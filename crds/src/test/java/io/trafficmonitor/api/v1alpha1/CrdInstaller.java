package io.trafficmonitor.api.v1alpha1;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Installs the committed CRDs into a test cluster and waits until they are served. */
final class CrdInstaller {

  private CrdInstaller() {}

  static Path repoRoot() {
    return Path.of(System.getProperty("tm.repo.root", ".."));
  }

  static void install(KubernetesClient client) throws IOException {
    for (String name : CrdYaml.FILES) {
      install(client, name);
    }
  }

  private static void install(KubernetesClient client, String file) throws IOException {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(repoRoot().resolve("crds/" + file))) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    client.resource(crd).forceConflicts().serverSideApply();
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(crd.getMetadata().getName())
        .waitUntilCondition(
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
            60,
            TimeUnit.SECONDS);
  }
}
