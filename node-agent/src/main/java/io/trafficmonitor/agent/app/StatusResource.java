package io.trafficmonitor.agent.app;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.trafficmonitor.agent.Agent;
import io.trafficmonitor.api.agent.AgentReport;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.ServiceUnavailableException;

/**
 * {@code GET /api/v1/status}: this node's latest entry of every monitor served ({@link
 * AgentReport}), which the operator pulls; 503 until the agent has started. Every tenant's figures
 * are in it, so only a caller who may write every monitor's status reads it (the operator; {@link
 * ApiAccess#checkStatusReader}).
 */
@Path(AgentReport.PATH)
public class StatusResource {
  @Inject AgentLifecycle lifecycle;

  @GET
  @Produces("application/json")
  @Answers(
      value = AgentReport.class,
      summary =
          "This node's latest entry of every monitor served (what the operator pulls and writes"
              + " into each monitor's status).")
  public String report(@HeaderParam("Authorization") String authorization) {
    lifecycle.access().checkStatusReader(lifecycle.client(), authorization);
    Agent agent = lifecycle.agent();
    if (agent == null) {
      throw new ServiceUnavailableException("the agent has not started yet");
    }
    return Serialization.asJson(agent.report());
  }
}
