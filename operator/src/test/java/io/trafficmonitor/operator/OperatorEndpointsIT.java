package io.trafficmonitor.operator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.testing.TestCluster;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Quarkus application itself against the local control plane: it keeps the agent DaemonSet as
 * its configuration says, reconciles, reports healthy, and exports the java-operator-sdk metrics
 * with the JVM's under /q/metrics.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalClusterResource.class, restrictToAnnotatedClass = true)
class OperatorEndpointsIT {

  @Test
  void healthAndMetricsEndpointsWork() {
    given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));

    var client = TestCluster.shared().client();
    DaemonSet agents =
        client
            .apps()
            .daemonSets()
            .inNamespace(LocalClusterResource.NAMESPACE)
            .withName("trafficmonitor-agent")
            .waitUntilCondition(Objects::nonNull, 60, TimeUnit.SECONDS);
    assertThat(agents.getSpec().getTemplate().getSpec().getNodeSelector())
        .containsEntry("tm-it", "endpoints");

    TrafficMonitor tm = Monitors.monitor(LocalClusterResource.NAMESPACE, "metrics", null);
    tm.getMetadata().setGeneration(null);
    client.resource(tm).create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                client
                        .resources(TrafficMonitor.class)
                        .inNamespace(LocalClusterResource.NAMESPACE)
                        .withName("metrics")
                        .get()
                        .getStatus()
                    != null);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                given()
                    .get("/q/metrics")
                    .then()
                    .statusCode(200)
                    .body(containsString("operator_sdk_reconciliations_started_total"))
                    .body(containsString("jvm_memory_used_bytes")));
  }
}
