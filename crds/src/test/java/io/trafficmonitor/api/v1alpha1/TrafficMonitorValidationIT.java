package io.trafficmonitor.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.testing.ClusterExtension;
import io.trafficmonitor.testing.CrdInstaller;
import io.trafficmonitor.testing.TestCluster;
import io.trafficmonitor.testing.Tools;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The API server refuses every invalid TrafficMonitor, with a message a person understands. */
@ExtendWith(ClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrafficMonitorValidationIT {
  private static final String NS = "validation";

  private KubernetesClient client;
  private int counter;

  @BeforeAll
  void installCrd(TestCluster cluster) throws Exception {
    client = cluster.client();
    for (String file : CrdYaml.FILES) {
      CrdInstaller.install(client, Tools.repoRoot().resolve("crds/" + file));
    }
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("ports: ['http']", "ports must be ports such as 80 or port ranges"),
        Arguments.of("ports: ['0']", "ports must be between 1 and 65535"),
        Arguments.of("ports: ['65536']", "ports must be between 1 and 65535"),
        Arguments.of("ports: ['8100-8000']", "a port range must go from low to high"),
        Arguments.of("ports: ['80-']", "ports must be ports such as 80 or port ranges"),
        Arguments.of("filters: [{source: 10.0.0.0/33}]", "source must be an IPv4 or IPv6 address"),
        Arguments.of("filters: [{source: 'fd00::/129'}]", "source must be an IPv4 or IPv6 address"),
        Arguments.of("filters: [{destination: web}]", "destination must be an IPv4 or IPv6"),
        Arguments.of(
            "filters: [{source: 10.0.0.0/8, destination: 'fd00::/8'}]",
            "source and destination must be of the same IP family"),
        Arguments.of("filters: [{destinationPort: '70000'}]", "ports must be between 1 and 65535"),
        Arguments.of("filters: [{sourcePort: '22-21'}]", "a port range must go from low to high"),
        Arguments.of(
            "filters: [{destinationPort: ssh}]",
            "destinationPort must be a port such as 80 or a port range"),
        Arguments.of(
            "filters: [{destinationPort: '22', protocols: [TCP, ICMP]}]",
            "sourcePort and destinationPort apply only to TCP, UDP and SCTP"),
        Arguments.of("filters: [{protocols: [HTTP]}]", "Unsupported value: \"HTTP\""),
        Arguments.of("interfaces: [eth0]", TrafficMonitor.NAMESPACED_ONLY),
        Arguments.of(
            "namespaceSelector: {matchLabels: {team: shop}}", TrafficMonitor.NAMESPACED_ONLY),
        Arguments.of("interval: 5ms", "interval must be between 10ms and 1h"),
        Arguments.of("interval: 2h", "interval must be between 10ms and 1h"),
        Arguments.of("interval: fast", "interval must be a duration such as 10ms, 1s or 1m30s"),
        Arguments.of("interval: '10'", "interval must be a duration such as 10ms, 1s or 1m30s"),
        Arguments.of("statusInterval: 500ms", "statusInterval must be between 1s and 1h"),
        Arguments.of(
            "{interval: 30s, statusInterval: 10s}",
            "statusInterval must not be shorter than interval"),
        Arguments.of(
            "{interval: 1m, flows: {idleTimeout: 30s}}",
            "flows.idleTimeout must not be shorter than interval"),
        Arguments.of("flows: {topN: 1000}", "should be less than or equal to 100"),
        Arguments.of("direction: Sideways", "Unsupported value: \"Sideways\""),
        Arguments.of(
            "podSelector: {matchExpressions: [{key: app, operator: In}]}",
            "operators In and NotIn need at least one value"),
        Arguments.of(
            "podSelector: {matchExpressions: [{key: app, operator: Exists, values: [web]}]}",
            "Exists and DoesNotExist take none"),
        Arguments.of(
            "podSelector: {matchExpressions: [{key: app, operator: Equals, values: [web]}]}",
            "Unsupported value: \"Equals\""),
        Arguments.of(
            "podSelector: {matchExpressions: [{key: '-app', operator: Exists}]}",
            "key must be a label key"),
        Arguments.of("sequence: {protocol: TCP}", "sequence.protocol must be UDP or ICMP"),
        Arguments.of("sequence: {protocol: SCTP}", "sequence.protocol must be UDP or ICMP"),
        Arguments.of("sequence: {offset: 4}", "spec.sequence.protocol: Required value"),
        Arguments.of(
            "sequence: {protocol: UDP, pattern: '0xC0FFEE'}",
            "sequence.pattern must be exactly 4 bytes in hex with a 0x prefix"),
        Arguments.of(
            "sequence: {protocol: UDP, pattern: '0xC0FFEE0011'}",
            "sequence.pattern must be exactly 4 bytes in hex with a 0x prefix"),
        Arguments.of(
            "sequence: {protocol: UDP, pattern: 'C0FFEE00'}",
            "sequence.pattern must be exactly 4 bytes in hex with a 0x prefix"),
        Arguments.of(
            "sequence: {protocol: UDP, pattern: '0xC0FFEE0G'}",
            "sequence.pattern must be exactly 4 bytes in hex with a 0x prefix"),
        Arguments.of(
            "sequence: {protocol: UDP, searchWindow: 16}",
            "sequence.searchWindow applies only with sequence.pattern"),
        Arguments.of(
            "sequence: {protocol: UDP, pattern: '0xC0FFEE00', searchWindow: 3}",
            "sequence.searchWindow in body should be greater than or equal to 4"),
        Arguments.of(
            "sequence: {protocol: UDP, pattern: '0xC0FFEE00', searchWindow: 65}",
            "sequence.searchWindow in body should be less than or equal to 64"),
        Arguments.of(
            "sequence: {protocol: UDP, gapThreshold: 0}",
            "sequence.gapThreshold in body should be greater than or equal to 1"),
        Arguments.of(
            "sequence: {protocol: UDP, gapThreshold: 1000001}",
            "sequence.gapThreshold in body should be less than or equal to 1000000"),
        Arguments.of(
            "sequence: {protocol: UDP, offset: 1497}", "sequence.offset must be at most 1496"),
        Arguments.of(
            "sequence: {protocol: ICMP, offset: 1501}",
            "sequence.offset in body should be less than or equal to 1500"),
        Arguments.of(
            "sequence: {protocol: UDP, offset: -1}",
            "sequence.offset in body should be greater than or equal to 0"),
        Arguments.of(
            "sequence: {protocol: UDP, pattern: '0xC0FFEE00', offset: 1465}",
            "with sequence.pattern, searchWindow + offset + 4 must be at most 1500"),
        Arguments.of(
            "sequence: {protocol: UDP, pattern: '0xC0FFEE00', searchWindow: 64, offset: 1433}",
            "with sequence.pattern, searchWindow + offset + 4 must be at most 1500"),
        Arguments.of("flows: {jitter: sometimes}", "spec.flows.jitter: Invalid value"),
        Arguments.of(
            "applications: [{name: web, port: 0}]",
            "applications[0].port in body should be greater than or equal to 1"),
        Arguments.of(
            "applications: [{name: web, port: 65536}]",
            "applications[0].port in body should be less than or equal to 65535"),
        Arguments.of("applications: [{name: web}]", "spec.applications[0].port: Required value"),
        Arguments.of("applications: [{port: 8080}]", "spec.applications[0].name: Required value"),
        Arguments.of(
            "applications: [{name: My_App, port: 8080}]",
            "applications[].name must be a lowercase DNS label"),
        Arguments.of(
            "applications: [{name: '-grpc', port: 8080}]",
            "applications[].name must be a lowercase DNS label"),
        Arguments.of(
            "applications: [{name: a-very-long-application-name-of-40-chars, port: 8080}]",
            "Too long"),
        Arguments.of(
            "applications: [{name: ping, port: 7, protocol: ICMP}]",
            "applications[].protocol must be TCP or UDP, or left out for both"),
        Arguments.of(
            "applications: [{name: grpc, port: 8080, protocol: TCP},"
                + " {name: api, port: 8080, protocol: TCP}]",
            "applications must give each port one name per protocol: two entries share a port"),
        Arguments.of(
            "applications: [{name: grpc, port: 9000, protocol: UDP},"
                + " {name: web, port: 8080}, {name: grpc, port: 9000}]",
            "applications must give each port one name per protocol: two entries share a port"),
        Arguments.of(
            "alerts: {maxPacketLossRatio: 1.5}", "maxPacketLossRatio must be between 0 and 1"),
        Arguments.of(
            "alerts: {maxPacketLossRatio: 0.01}",
            "alerts.maxPacketLossRatio needs spec.sequence: loss is measured from the packets'"
                + " sequence numbers"),
        Arguments.of("alerts: {maxBytesPerSecond: -1}", "maxBytesPerSecond must be greater than 0"),
        Arguments.of("alerts: {severity: page}", "severity must be info, warning or critical"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void refusesInvalidSpecWithAReadableMessage(String spec, String message) {
    GenericKubernetesResource tm = monitor(spec);
    assertThatThrownBy(() -> client.resource(tm).inNamespace(NS).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(message);
  }

  static Stream<Arguments> invalidCluster() {
    return Stream.of(
        Arguments.of("interfaces: ['eth 0']", "interfaces must be interface names or globs"),
        Arguments.of("interfaces: ['averyveryverylongname0']", "Too long"),
        Arguments.of("ports: ['http']", "ports must be ports such as 80 or port ranges"),
        Arguments.of("interfaceIngressHook: XDP", "interfaceIngressHook XDP needs spec.interfaces"),
        Arguments.of("{interfaces: [eth0], interfaceIngressHook: AF_XDP}", "Unsupported value"),
        Arguments.of(
            "{interfaces: [eth0], podSelector: {matchLabels: {app: web}}}",
            TrafficMonitorSpec.PODS_OR_INTERFACES_MESSAGE),
        Arguments.of(
            "{interfaces: [eth0], podSelector: {matchExpressions: [{key: app, operator: Exists}]}}",
            "a monitor counts pods or node interfaces, not both"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidCluster")
  void refusesInvalidClusterSpecWithAReadableMessage(String spec, String message) {
    GenericKubernetesResource ctm = monitor(spec);
    ctm.setKind(ClusterTrafficMonitor.KIND);
    assertThatThrownBy(() -> client.resource(ctm).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aClusterTrafficMonitorTakesInterfacesOrOtherNamespaces() throws Exception {
    for (String example : new String[] {"cluster-web.yaml", "cluster-nodes.yaml"}) {
      client
          .resource(
              Serialization.unmarshal(
                  Files.readString(Tools.repoRoot().resolve("crds/examples/" + example)),
                  GenericKubernetesResource.class))
          .create();
    }
    ClusterTrafficMonitor pods =
        client.resources(ClusterTrafficMonitor.class).withName("cluster-web").get();
    assertThat(pods.getSpec().getNamespaceSelector().getMatchLabels())
        .containsEntry("team", "shop");
    assertThat(pods.getSpec().getInterval()).isEqualTo("1s");
    assertThat(pods.getSpec().getStatusInterval())
        .as("defaults as TrafficMonitor's")
        .isEqualTo("10s");
    ClusterTrafficMonitor nodes =
        client.resources(ClusterTrafficMonitor.class).withName("cluster-nodes").get();
    assertThat(nodes.getSpec().getInterfaces()).containsExactly("eth0", "ens*", "eth[0-3]");
    assertThat(nodes.getSpec().getInterfaceIngressHook()).isEqualTo(IngressHook.XDP);
    assertThat(nodes.getSpec().getPodSelector()).as("selects no pods").isNull();
    // an empty podSelector selects none, so it may stand beside interfaces
    GenericKubernetesResource empty =
        monitor("{interfaces: [eth0], podSelector: {matchLabels: {}}}");
    empty.setKind(ClusterTrafficMonitor.KIND);
    client.resource(empty).create();
    client.resource(empty).delete();
    client.resources(ClusterTrafficMonitor.class).withName("cluster-web").delete();
    client.resources(ClusterTrafficMonitor.class).withName("cluster-nodes").delete();
  }

  @Test
  void acceptsTheExamplesAndFillsDefaults() throws Exception {
    for (String example : new String[] {"web.yaml", "minimal.yaml"}) {
      GenericKubernetesResource tm =
          Serialization.unmarshal(
              Files.readString(Tools.repoRoot().resolve("crds/examples/" + example)),
              GenericKubernetesResource.class);
      client.resource(tm).inNamespace(NS).create();
    }
    TrafficMonitor minimal =
        client.resources(TrafficMonitor.class).inNamespace(NS).withName("minimal").get();
    assertThat(minimal.getSpec().getInterval()).isEqualTo("1s");
    assertThat(minimal.getSpec().getStatusInterval()).isEqualTo("10s");
    assertThat(minimal.getSpec().getDirection()).isEqualTo(Direction.Both);
    assertThat(minimal.getSpec().getInterfaceIngressHook()).isEqualTo(IngressHook.TC);
    TrafficMonitor web =
        client.resources(TrafficMonitor.class).inNamespace(NS).withName("web").get();
    assertThat(web.getSpec().getFlows().getTopN()).isEqualTo(10);
    assertThat(web.getSpec().getFilters()).hasSize(3);
    assertThat(web.getSpec().getAlerts().getSeverity()).isEqualTo("warning");
    assertThat(web.getSpec().getFlows().getJitter()).isTrue();
    assertThat(minimal.getSpec().getFlows()).isNull();
    Sequence sequence = web.getSpec().getSequence();
    assertThat(sequence.getProtocol()).isEqualTo(Protocol.UDP);
    assertThat(sequence.getPattern()).isEqualTo("0xC0FFEE00");
    assertThat(sequence.getSearchWindow()).isEqualTo(16);
    assertThat(sequence.getOffset()).isEqualTo(4);
    assertThat(sequence.getGapThreshold()).isEqualTo(100);
    assertThat(web.getSpec().getApplications())
        .extracting(a -> a.getName() + ":" + a.getPort() + "/" + a.getProtocol())
        .containsExactly(
            "grpc:9090/TCP", "media:5004/UDP", "cache:6379/null", "web:8080/TCP", "stats:8080/UDP");
  }

  @Test
  void acceptsTheE2eSamples() throws Exception {
    try (var samples = Files.list(Tools.repoRoot().resolve("e2e/samples"))) {
      for (var file : samples.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        GenericKubernetesResource tm =
            Serialization.unmarshal(Files.readString(file), GenericKubernetesResource.class);
        tm.getMetadata().setNamespace(null); // samples name their own namespace
        tm.getMetadata().setName("sample-" + tm.getMetadata().getName());
        client.resource(tm).inNamespace(NS).create();
      }
    }
    TrafficMonitor web =
        client.resources(TrafficMonitor.class).inNamespace(NS).withName("sample-web").get();
    assertThat(web.getSpec().getFlows().getJitter()).isTrue();
    assertThat(web.getSpec().getApplications()).hasSize(2);
  }

  @Test
  void sequenceDefaultsLeaveSearchWindowOutWithoutAPattern() {
    GenericKubernetesResource icmp = monitor("{sequence: {protocol: ICMP}, flows: {topN: 5}}");
    client.resource(icmp).inNamespace(NS).create();
    // The largest offset a pattern with the default search window allows: 32 + 1464 + 4 = 1500.
    client
        .resource(monitor("sequence: {protocol: UDP, pattern: '0xcafef00d', offset: 1464}"))
        .inNamespace(NS)
        .create();
    client.resource(monitor("sequence: {protocol: UDP, offset: 1496}")).inNamespace(NS).create();

    Sequence sequence =
        client
            .resources(TrafficMonitor.class)
            .inNamespace(NS)
            .withName(icmp.getMetadata().getName())
            .get()
            .getSpec()
            .getSequence();
    assertThat(sequence.getOffset()).isZero();
    assertThat(sequence.getGapThreshold()).isEqualTo(10);
    assertThat(sequence.getSearchWindow()).isNull();
    assertThat(sequence.getPattern()).isNull();
  }

  private GenericKubernetesResource monitor(String spec) {
    String yaml =
        "apiVersion: trafficmonitor.io/v1alpha1\n"
            + "kind: TrafficMonitor\n"
            + "metadata: {name: invalid-"
            + (counter++)
            + "}\n"
            + "spec: "
            + (spec.startsWith("{") ? spec : "{" + spec + "}")
            + "\n";
    return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
  }
}
