package io.trafficmonitor.agent.app;

import io.trafficmonitor.agent.Agent;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.ServiceUnavailableException;
import java.util.function.Function;

/** What the agent's API answers of one monitor: 503 before the agent starts, 404 if not served. */
final class Served {
  private Served() {}

  /**
   * What {@code read} makes of the running agent for monitor {@code namespace/name} ({@code
   * namespace} null: a ClusterTrafficMonitor), where null means the agent does not serve it.
   */
  static <T> T monitor(
      AgentLifecycle lifecycle, String namespace, String name, Function<Agent, T> read) {
    Agent agent = lifecycle.agent();
    if (agent == null) {
      throw new ServiceUnavailableException("the agent has not started yet");
    }
    T answer = read.apply(agent);
    if (answer == null) {
      throw new NotFoundException(
          "this agent serves no "
              + (namespace == null
                  ? "ClusterTrafficMonitor " + name
                  : "TrafficMonitor " + namespace + "/" + name));
    }
    return answer;
  }
}
