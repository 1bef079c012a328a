package io.trafficmonitor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The local control plane is real: CRDs, custom resources, controllers, scheduler, kubectl. */
@ExtendWith(ClusterExtension.class)
class LocalClusterIT {
  private static final ResourceDefinitionContext WIDGETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("test.trafficmonitor.io")
          .withVersion("v1")
          .withPlural("widgets")
          .withKind("Widget")
          .withNamespaced(true)
          .build();

  @BeforeAll
  static void crd(KubernetesClient client) throws Exception {
    try (InputStream in = LocalClusterIT.class.getResourceAsStream("/widget-crd.yaml")) {
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(crd.getMetadata().getName())
          .waitUntilCondition(LocalClusterIT::established, 30, TimeUnit.SECONDS);
    }
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  @Test
  void servesTheBuiltVersion(KubernetesClient client) {
    assertThat(client.getKubernetesVersion().getGitVersion())
        .isEqualTo(KubeBinaries.KUBERNETES_VERSION);
    assertThat(client.namespaces().withName("kube-system").get()).isNotNull();
  }

  @Test
  void customResourceRoundTripWatchAndStatus(KubernetesClient client) throws Exception {
    var widgets = client.genericKubernetesResources(WIDGETS).inNamespace("default");
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (var watch =
        widgets.watch(
            new Watcher<GenericKubernetesResource>() {
              @Override
              public void eventReceived(Action action, GenericKubernetesResource r) {
                events.add(action + " " + r.getMetadata().getName());
              }

              @Override
              public void onClose(WatcherException cause) {}
            })) {
      GenericKubernetesResource w =
          new GenericKubernetesResourceBuilder()
              .withApiVersion("test.trafficmonitor.io/v1")
              .withKind("Widget")
              .withNewMetadata()
              .withName("round-trip")
              .endMetadata()
              .withAdditionalProperties(Map.of("spec", Map.of("size", 3)))
              .build();
      widgets.resource(w).create();

      GenericKubernetesResource read = widgets.withName("round-trip").get();
      assertThat(read.<Integer>get("spec", "size")).isEqualTo(3);
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("ADDED round-trip");

      read.setAdditionalProperty("status", Map.of("seen", 42));
      widgets.resource(read).updateStatus();
      GenericKubernetesResource patched = widgets.withName("round-trip").get();
      assertThat(patched.<Integer>get("status", "seen")).isEqualTo(42);
      assertThat(patched.<Integer>get("spec", "size")).isEqualTo(3);
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("MODIFIED round-trip");

      widgets.withName("round-trip").delete();
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("DELETED round-trip");
    }
  }

  @Test
  void openApiValidationRefusesBadSpec(KubernetesClient client) {
    var bad =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("test.trafficmonitor.io/v1")
            .withKind("Widget")
            .withNewMetadata()
            .withName("too-small")
            .endMetadata()
            .withAdditionalProperties(Map.of("spec", Map.of("size", 0)))
            .build();
    Assertions.assertThatThrownBy(
            () ->
                client
                    .genericKubernetesResources(WIDGETS)
                    .inNamespace("default")
                    .resource(bad)
                    .create())
        .hasMessageContaining("spec.size")
        .hasMessageContaining("should be greater than or equal to 1");
  }

  @Test
  void daemonSetControllerCreatesAndSchedulerBindsPodForNode(TestCluster cluster) {
    KubernetesClient client = cluster.client();
    client.namespaces().resource(namespace("ds-test")).serverSideApply();
    cluster.addNode("node-ds", Map.of("tm-test", "ds"));
    DaemonSet ds =
        new DaemonSetBuilder()
            .withNewMetadata()
            .withName("agent")
            .withNamespace("ds-test")
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .addToMatchLabels("app", "agent")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "agent")
            .endMetadata()
            .withNewSpec()
            .addToNodeSelector("tm-test", "ds")
            .addNewContainer()
            .withName("agent")
            .withImage("trafficmonitor/agent:test")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    client.apps().daemonSets().resource(ds).create();

    Pod pod =
        client
            .pods()
            .inNamespace("ds-test")
            .withLabel("app", "agent")
            .informOnCondition(
                pods -> pods.stream().anyMatch(p -> "node-ds".equals(p.getSpec().getNodeName())))
            .thenApply(pods -> pods.get(0))
            .orTimeout(60, TimeUnit.SECONDS)
            .join();
    assertThat(pod.getSpec().getNodeName()).isEqualTo("node-ds");
    assertThat(pod.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("DaemonSet"));

    DaemonSet status =
        client
            .apps()
            .daemonSets()
            .inNamespace("ds-test")
            .withName("agent")
            .waitUntilCondition(
                d -> d.getStatus() != null && d.getStatus().getDesiredNumberScheduled() == 1,
                30,
                TimeUnit.SECONDS);
    assertThat(status.getStatus().getCurrentNumberScheduled()).isEqualTo(1);
  }

  @Test
  void builtKubectlGetsAndApplies(TestCluster cluster) throws Exception {
    ProcessResult version = cluster.kubectl("version", "-o", "json").orThrow();
    assertThat(version.stdout()).contains("\"gitVersion\": \"" + KubeBinaries.KUBERNETES_VERSION);

    Path manifest = Files.createTempFile("widget", ".yaml");
    try (InputStream in = getClass().getResourceAsStream("/widget.yaml")) {
      Files.write(manifest, in.readAllBytes());
    }
    try {
      ProcessResult apply = cluster.kubectl("apply", "-f", manifest.toString()).orThrow();
      assertThat(apply.stdout()).contains("widget.test.trafficmonitor.io/from-kubectl created");
      ProcessResult get = cluster.kubectl("get", "widgets", "-n", "default").orThrow();
      assertThat(get.stdout()).contains("NAME", "SIZE", "from-kubectl", "7");
      ProcessResult again = cluster.kubectl("apply", "-f", manifest.toString()).orThrow();
      assertThat(again.stdout()).contains("unchanged");
      cluster.kubectl("delete", "-f", manifest.toString()).orThrow();
    } finally {
      Files.deleteIfExists(manifest);
    }
  }

  private static Namespace namespace(String name) {
    return new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build();
  }
}
