package io.trafficmonitor.operator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.testing.TestCluster;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The Quarkus application itself against the local control plane: it reconciles, reports healthy,
 * and exports the java-operator-sdk metrics with the JVM's under /q/metrics.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalClusterResource.class, restrictToAnnotatedClass = true)
class OperatorEndpointsIT {

  @Test
  void healthAndMetricsEndpointsWork() {
    given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));

    var client = TestCluster.shared().client();
    TrafficMonitor tm = Monitors.monitor(LocalClusterResource.NAMESPACE, "metrics", null);
    tm.getMetadata().setGeneration(null);
    client.resource(tm).create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                client
                        .apps()
                        .daemonSets()
                        .inNamespace(LocalClusterResource.NAMESPACE)
                        .withName("trafficmonitor-agent-metrics")
                        .get()
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
