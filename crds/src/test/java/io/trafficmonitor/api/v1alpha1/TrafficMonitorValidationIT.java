package io.trafficmonitor.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.testing.ClusterExtension;
import io.trafficmonitor.testing.TestCluster;
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
    CrdInstaller.install(client);
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
        Arguments.of("interfaces: ['eth 0']", "interfaces must be interface names or globs"),
        Arguments.of("interfaces: ['averyveryverylongname0']", "Too long"),
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
        Arguments.of(
            "sequence: {protocol: ICMP, pattern: '0xC0FFEE'}",
            "sequence.protocol must be TCP or UDP"),
        Arguments.of(
            "sequence: {protocol: UDP, pattern: 'C0FFEE'}", "pattern must be 1 to 16 bytes"),
        Arguments.of(
            "sequence: {protocol: UDP, offset: 1499, pattern: '0xC0FFEE'}",
            "the pattern must end within the first 1500 bytes"),
        Arguments.of(
            "alerts: {maxPacketLossRatio: 1.5}", "maxPacketLossRatio must be between 0 and 1"),
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

  @Test
  void acceptsTheExamplesAndFillsDefaults() throws Exception {
    for (String example : new String[] {"web.yaml", "minimal.yaml"}) {
      GenericKubernetesResource tm =
          Serialization.unmarshal(
              Files.readString(CrdInstaller.repoRoot().resolve("crds/examples/" + example)),
              GenericKubernetesResource.class);
      client.resource(tm).inNamespace(NS).create();
    }
    TrafficMonitor minimal =
        client.resources(TrafficMonitor.class).inNamespace(NS).withName("minimal").get();
    assertThat(minimal.getSpec().getInterval()).isEqualTo("1s");
    assertThat(minimal.getSpec().getStatusInterval()).isEqualTo("10s");
    assertThat(minimal.getSpec().getDirection()).isEqualTo(Direction.Both);
    TrafficMonitor web =
        client.resources(TrafficMonitor.class).inNamespace(NS).withName("web").get();
    assertThat(web.getSpec().getFlows().getTopN()).isEqualTo(10);
    assertThat(web.getSpec().getFilters()).hasSize(3);
    assertThat(web.getSpec().getAlerts().getSeverity()).isEqualTo("warning");
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
