package io.trafficmonitor.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.api.agent.AgentReport;
import io.trafficmonitor.api.v1alpha1.ClusterTrafficMonitor;
import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.Peer;
import io.trafficmonitor.api.v1alpha1.Summary;
import io.trafficmonitor.api.v1alpha1.Talker;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorSpec;
import io.trafficmonitor.api.v1alpha1.TrafficMonitorStatus;
import io.trafficmonitor.testing.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator names the addresses of a monitor's top talkers and flows from the cluster's real
 * objects: a Deployment's pod (its ReplicaSet made by the deployment controller) by the Deployment,
 * a CronJob's pod by the CronJob above its Job, a Service's cluster IP (allocated by the API
 * server), a node's address, the world; a TrafficMonitor in one namespace learns only the kind of
 * another namespace's pod, a ClusterTrafficMonitor its names. No kubelet here: the test gives pods
 * their addresses, as in {@link Agents}.
 */
class PeerNamesIT {
  static final String TEAM_A = "it-names-a";
  static final String TEAM_B = "it-names-b";
  private static final String NODE = "names-a";
  private static final String NODE_IP = "192.0.2.77";
  private static final String WEB_IP = "10.250.1.10";
  private static final String BACKUP_IP = "fd00:250::20";
  private static final String WORLD_IP = "203.0.113.9";
  private static final String MONITOR = "names";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static KubernetesClient client;
  private static Agents agents;
  private static String serviceIp;
  private static String webPod;

  @BeforeAll
  static void start() {
    TestCluster cluster = OperatorHarness.start();
    client = cluster.client();
    cluster.addNode(NODE, Map.of("tm-it", "names"));
    client
        .nodes()
        .withName(NODE)
        .editStatus(
            n ->
                new NodeBuilder(n)
                    .editStatus()
                    .withAddresses(new NodeAddress(NODE_IP, "InternalIP"))
                    .endStatus()
                    .build());
    webPod = deploymentPod();
    Agents.giveAddress(client, TEAM_A, webPod, WEB_IP);
    serviceIp =
        client
            .services()
            .inNamespace(TEAM_A)
            .resource(
                new ServiceBuilder()
                    .withNewMetadata()
                    .withName("web")
                    .endMetadata()
                    .withNewSpec()
                    .withSelector(Map.of("app", "web"))
                    .addNewPort()
                    .withPort(80)
                    .endPort()
                    .endSpec()
                    .build())
            .create()
            .getSpec()
            .getClusterIP();
    cronJobPod();
    agents = Agents.start(client, 3, List.of(NODE), PeerNamesIT::answer);
  }

  @AfterAll
  static void stop() {
    agents.close();
  }

  /** A Deployment in team A; the controllers make its ReplicaSet and pod. */
  private static String deploymentPod() {
    Deployment web =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("web")
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .withNewSelector()
            .addToMatchLabels("app", "web")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "web")
            .endMetadata()
            .withNewSpec()
            .withNodeSelector(Map.of("tm-it", "none")) // never scheduled: no kubelet
            .addNewContainer()
            .withName("web")
            .withImage("web:1")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    client.apps().deployments().inNamespace(TEAM_A).resource(web).create();
    await()
        .atMost(WAIT)
        .until(
            () ->
                !client
                    .pods()
                    .inNamespace(TEAM_A)
                    .withLabel("app", "web")
                    .list()
                    .getItems()
                    .isEmpty());
    return client
        .pods()
        .inNamespace(TEAM_A)
        .withLabel("app", "web")
        .list()
        .getItems()
        .get(0)
        .getMetadata()
        .getName();
  }

  /**
   * A CronJob in team B, a Job it controls and the Job's pod (no Job or CronJob controller runs
   * here: the test makes them as those controllers would).
   */
  private static void cronJobPod() {
    CronJob backup =
        client
            .batch()
            .v1()
            .cronjobs()
            .inNamespace(TEAM_B)
            .resource(
                new CronJobBuilder()
                    .withNewMetadata()
                    .withName("backup")
                    .endMetadata()
                    .withNewSpec()
                    .withSchedule("0 3 * * *")
                    .withSuspend(true)
                    .withNewJobTemplate()
                    .withNewSpec()
                    .withNewTemplate()
                    .withNewSpec()
                    .withRestartPolicy("Never")
                    .addNewContainer()
                    .withName("backup")
                    .withImage("backup:1")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .endJobTemplate()
                    .endSpec()
                    .build())
            .create();
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(TEAM_B)
            .resource(
                new JobBuilder()
                    .withMetadata(controlledBy("backup-29000000", "CronJob", backup.getMetadata()))
                    .withNewSpec()
                    .withSuspend(true)
                    .withManualSelector(true)
                    .withNewSelector()
                    .addToMatchLabels("job", "backup")
                    .endSelector()
                    .withNewTemplate()
                    .withNewMetadata()
                    .addToLabels("job", "backup")
                    .endMetadata()
                    .withNewSpec()
                    .withRestartPolicy("Never")
                    .addNewContainer()
                    .withName("backup")
                    .withImage("backup:1")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
    Pod pod =
        new PodBuilder()
            .withMetadata(controlledBy("backup-29000000-q7x", "Job", job.getMetadata()))
            .withNewSpec()
            .withNodeSelector(Map.of("tm-it", "none"))
            .addNewContainer()
            .withName("backup")
            .withImage("backup:1")
            .endContainer()
            .endSpec()
            .build();
    client.pods().inNamespace(TEAM_B).resource(pod).create();
    Agents.giveAddress(client, TEAM_B, "backup-29000000-q7x", BACKUP_IP);
  }

  private static ObjectMeta controlledBy(String name, String kind, ObjectMeta owner) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("batch/v1")
                .withKind(kind)
                .withName(owner.getName())
                .withUid(owner.getUid())
                .withController(true)
                .build())
        .build();
  }

  /** One entry per monitor: the same talkers and one flow from the web pod to the backup pod. */
  private static Optional<List<AgentReport.Entry>> answer(String node) {
    String json =
        "{\"node\": \""
            + node
            + "\", \"pods\": 1, \"rxBytes\": 5000, \"txBytes\": 5000, \"lastUpdate\": \""
            + Instant.now().truncatedTo(ChronoUnit.MILLIS)
            + "\", \"topTalkers\": ["
            + talker(BACKUP_IP.replace("::", ":0:0:0:0:0:"), 500) // as an agent spells it
            + ", "
            + talker(serviceIp, 400)
            + ", "
            + talker(NODE_IP, 300)
            + ", "
            + talker(WORLD_IP, 200)
            + ", "
            + talker(WEB_IP, 100)
            + "], \"topFlows\": [{\"source\": \""
            + WEB_IP
            + "\", \"destination\": \""
            + BACKUP_IP
            + "\", \"sourcePort\": 40000, \"destinationPort\": 5432, \"protocol\": \"TCP\","
            + " \"bytes\": 900, \"bitsPerSecond\": 1000}]}";
    List<AgentReport.Entry> entries = new ArrayList<>();
    if (client.resources(TrafficMonitor.class).inNamespace(TEAM_A).withName(MONITOR).get()
        != null) {
      entries.add(Agents.entry(client, TEAM_A, MONITOR, json));
    }
    if (client.resources(ClusterTrafficMonitor.class).withName(MONITOR).get() != null) {
      entries.add(Agents.entry(client, null, MONITOR, json));
    }
    return Optional.of(entries);
  }

  private static String talker(String address, long bytes) {
    return "{\"address\": \"" + address + "\", \"bytes\": " + bytes + "}";
  }

  private static final String SPEC = "nodeSelector: {tm-it: names}\nstatusInterval: 1s\n";

  @Test
  void aTrafficMonitorNamesItsOwnNamespaceAndOnlyTheKindOfOthers() {
    client.resource(Monitors.monitor(TEAM_A, MONITOR, SPEC)).create();
    Map<String, Peer> talkers =
        awaitNamed(
            () ->
                client.resources(TrafficMonitor.class).inNamespace(TEAM_A).withName(MONITOR).get());

    assertThat(talkers.get(WEB_IP))
        .isEqualTo(new Peer(Peer.POD, TEAM_A, webPod, "Deployment", "web"));
    assertThat(talkers.get(serviceIp)).isEqualTo(new Peer(Peer.SERVICE, TEAM_A, "web", null, null));
    assertThat(talkers.get(NODE_IP)).isEqualTo(new Peer(Peer.NODE, null, NODE, null, null));
    assertThat(talkers.get(WORLD_IP)).isEqualTo(new Peer(Peer.WORLD, null, null, null, null));
    // Team B's pod: only that it is a pod.
    assertThat(talkers.get(BACKUP_IP.replace("::", ":0:0:0:0:0:")))
        .isEqualTo(new Peer(Peer.POD, null, null, null, null));
    Flow flow =
        client
            .resources(TrafficMonitor.class)
            .inNamespace(TEAM_A)
            .withName(MONITOR)
            .get()
            .getStatus()
            .getSummary()
            .getTopFlows()
            .get(0);
    assertThat(flow.getSourcePeer().getWorkload()).isEqualTo("web");
    assertThat(flow.getDestinationPeer()).isEqualTo(new Peer(Peer.POD, null, null, null, null));
  }

  @Test
  void aClusterTrafficMonitorNamesEveryNamespace() {
    ClusterTrafficMonitor ctm = new ClusterTrafficMonitor();
    ctm.setMetadata(new ObjectMetaBuilder().withName(MONITOR).build());
    ctm.setSpec(Serialization.unmarshal(SPEC, TrafficMonitorSpec.class));
    client.resource(ctm).create();
    Map<String, Peer> talkers =
        awaitNamed(() -> client.resources(ClusterTrafficMonitor.class).withName(MONITOR).get());

    assertThat(talkers.get(BACKUP_IP.replace("::", ":0:0:0:0:0:")))
        .isEqualTo(new Peer(Peer.POD, TEAM_B, "backup-29000000-q7x", "CronJob", "backup"));
    assertThat(talkers.get(WEB_IP).getWorkloadKind()).isEqualTo("Deployment");
    client.resource(ctm).delete();
  }

  /** The monitor's top talkers by address, once every one of them is named. */
  private static Map<String, Peer> awaitNamed(Supplier<CustomResource<?, ?>> monitor) {
    Function<CustomResource<?, ?>, List<Talker>> talkers =
        m -> {
          if (m == null || m.getStatus() == null) {
            return List.of();
          }
          Summary s = ((TrafficMonitorStatus) m.getStatus()).getSummary();
          return s == null || s.getTopTalkers() == null ? List.of() : s.getTopTalkers();
        };
    await()
        .atMost(WAIT)
        .until(
            () -> {
              List<Talker> t = talkers.apply(monitor.get());
              return t.size() == 5
                  && t.stream().allMatch(x -> x.getPeer() != null)
                  && t.stream()
                      .noneMatch(
                          x ->
                              Peer.WORLD.equals(x.getPeer().getKind())
                                  && !x.getAddress().equals(WORLD_IP));
            });
    return talkers.apply(monitor.get()).stream()
        .collect(Collectors.toMap(Talker::getAddress, Talker::getPeer));
  }
}
