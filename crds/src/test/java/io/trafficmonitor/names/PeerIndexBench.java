package io.trafficmonitor.names;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.trafficmonitor.api.v1alpha1.Peer;
import io.trafficmonitor.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not part of the build (the name matches neither *Test nor *IT): what naming peers
 * costs the process that does it (the operator's leader; an agent whose node has a monitor with
 * spec.flows.peers). The local control plane gets {@code tm.bench.pods} pods (default 5,000, in 10
 * namespaces, each with an address and a Job above it: one per 5 pods), a Service per 25 pods and a
 * ReplicaSet per 5 pods; then the heap in use (after a full GC) before and after a {@link
 * PeerIndex} has listed them, the time to list them, and the time of one {@link PeerIndex#resolve}.
 * Run: {@code mvn -pl crds verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=PeerIndexBench -Dfailsafe.failIfNoSpecifiedTests=false} with failsafe including it, or
 * {@code -Dtest=PeerIndexBench}; results in target/peer-index-bench.md.
 */
class PeerIndexBench {
  private static final int NAMESPACES = 10;

  @Test
  void memoryAndLookupTime() throws Exception {
    int pods = Integer.getInteger("tm.bench.pods", 5000);
    TestCluster cluster = TestCluster.shared();
    KubernetesClient client = cluster.client();
    long t0 = System.nanoTime();
    create(client, pods);
    double createSeconds = (System.nanoTime() - t0) / 1e9;

    long before = usedAfterGc();
    long s = System.nanoTime();
    PeerIndex index = PeerIndex.start(client);
    assertThat(index.awaitSynced(Duration.ofMinutes(2))).isTrue();
    double syncMillis = (System.nanoTime() - s) / 1e6;
    long after = usedAfterGc();
    int known = index.directory().size();

    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      addresses.add(podIp(i));
    }
    addresses.add("203.0.113.1");
    int named = 0;
    for (int round = 0; round < 5; round++) { // warm-up
      for (String a : addresses) {
        named += Peer.WORLD.equals(index.resolve(a).getKind()) ? 0 : 1;
      }
    }
    int lookups = 2_000_000;
    long l = System.nanoTime();
    for (int i = 0; i < lookups; i++) {
      named +=
          Peer.WORLD.equals(index.resolve(addresses.get(i % addresses.size())).getKind()) ? 0 : 1;
    }
    double nsPerLookup = (double) (System.nanoTime() - l) / lookups;
    assertThat(index.resolve(podIp(7)).getWorkload()).isEqualTo("job-1");
    index.close();

    String report =
        String.format(
            "| pods | Services | ReplicaSets | Jobs | objects created in | listed in | heap before | heap"
                + " after | per pod (all objects) | resolve |%n|---|---|---|---|---|---|---|---|---|---|%n"
                + "| %d | %d | %d | %d | %.0f s | %.0f ms | %.1f MiB | %.1f MiB | %.0f bytes | %.0f ns |%n"
                + "%nentries in the directory: %d; named lookups: %d%n",
            pods,
            pods / 25,
            pods / 5,
            pods / 5,
            createSeconds,
            syncMillis,
            before / 1048576.0,
            after / 1048576.0,
            (double) (after - before) / pods,
            nsPerLookup,
            known,
            named);
    System.out.println(report);
    Files.writeString(Path.of("target", "peer-index-bench.md"), report);
  }

  private static String podIp(int i) {
    return "10.200." + (i / 250) + "." + (i % 250 + 1);
  }

  private static void create(KubernetesClient client, int pods) throws Exception {
    for (int n = 0; n < NAMESPACES; n++) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName("peers-" + n).endMetadata().build())
          .serverSideApply();
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> work = new ArrayList<>();
    for (int g = 0; g < pods / 5; g++) {
      int group = g;
      work.add(pool.submit(() -> retried(() -> createGroup(client, group))));
    }
    for (Future<?> f : work) {
      f.get();
    }
    pool.shutdown();
  }

  /** Runs {@code r}, again up to twice when the connection drops under the load. */
  private static Object retried(Runnable r) {
    for (int attempt = 1; ; attempt++) {
      try {
        r.run();
        return null;
      } catch (KubernetesClientException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  private static void createGroup(KubernetesClient client, int group) {
    String ns = "peers-" + (group % NAMESPACES);
    String rs = "rs-" + group;
    client // the ReplicaSets of the cluster's Deployments, also watched
        .apps()
        .replicaSets()
        .inNamespace(ns)
        .resource(
            new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(rs)
                .endMetadata()
                .withNewSpec()
                .withReplicas(0)
                .withNewSelector()
                .addToMatchLabels("rs", rs)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("rs", rs)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("c")
                .withImage("c:1")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .serverSideApply();
    // The pods' controller: a Job (no Job controller runs in the test cluster; a ReplicaSet's would
    // release pods it does not select, or delete those beyond its replicas).
    String job = "job-" + group;
    String jobUid =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns)
            .resource(
                new JobBuilder()
                    .withNewMetadata()
                    .withName(job)
                    .endMetadata()
                    .withNewSpec()
                    .withSuspend(true)
                    .withManualSelector(true)
                    .withNewSelector()
                    .addToMatchLabels("job", job)
                    .endSelector()
                    .withNewTemplate()
                    .withNewMetadata()
                    .addToLabels("job", job)
                    .endMetadata()
                    .withNewSpec()
                    .withRestartPolicy("Never")
                    .addNewContainer()
                    .withName("c")
                    .withImage("c:1")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .serverSideApply()
            .getMetadata()
            .getUid();
    if (group % 5 == 0) { // a Service per 25 pods (the test cluster has a /24 of cluster IPs)
      client
          .services()
          .inNamespace(ns)
          .resource(
              new ServiceBuilder()
                  .withNewMetadata()
                  .withName("svc-" + group)
                  .endMetadata()
                  .withNewSpec()
                  .withSelector(Map.of("rs", rs))
                  .addNewPort()
                  .withPort(80)
                  .endPort()
                  .endSpec()
                  .build())
          .serverSideApply();
    }
    for (int p = 0; p < 5; p++) {
      int i = group * 5 + p;
      String name = rs + "-" + p;
      client
          .pods()
          .inNamespace(ns)
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withOwnerReferences(
                      new OwnerReferenceBuilder()
                          .withApiVersion("batch/v1")
                          .withKind("Job")
                          .withName(job)
                          .withUid(jobUid)
                          .withController(true)
                          .build())
                  .endMetadata()
                  .withNewSpec()
                  .withNodeName("bench-none") // no scheduling, no kubelet
                  .addNewContainer()
                  .withName("c")
                  .withImage("c:1")
                  .endContainer()
                  .endSpec()
                  .build())
          .serverSideApply();
      client
          .pods()
          .inNamespace(ns)
          .withName(name)
          .subresource("status")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"status\": {\"phase\": \"Running\", \"podIP\": \""
                  + podIp(i)
                  + "\", \"podIPs\": [{\"ip\": \""
                  + podIp(i)
                  + "\"}]}}");
    }
  }

  private static long usedAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
