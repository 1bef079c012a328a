package io.trafficmonitor.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Installs CRDs into a test cluster and waits until they are served. Which CRDs is the caller's
 * business: the API's live in crds/, a module this one cannot depend on (its tests use this one).
 */
public final class CrdInstaller {

  private CrdInstaller() {}

  /** Installs the CRD in YAML file {@code file}. */
  public static void install(KubernetesClient client, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      install(client, in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Installs the CRD in the YAML read from {@code in}, such as a test resource. */
  public static void install(KubernetesClient client, InputStream in) {
    install(client, Serialization.unmarshal(in, CustomResourceDefinition.class));
  }

  /** Applies {@code crd} (server-side, taking over conflicts) and waits 60 s for Established. */
  public static void install(KubernetesClient client, CustomResourceDefinition crd) {
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
