package io.trafficmonitor.plugin.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trafficmonitor.api.live.LiveApi;
import io.trafficmonitor.api.v1alpha1.TrafficMonitor;
import io.trafficmonitor.plugin.Monitor;
import io.trafficmonitor.plugin.PluginException;

/**
 * Turns a refusal of the API server or the live API (a Kubernetes {@code Status} object) into one
 * plain sentence that says what failed and, where it can, why: a 403 names the monitor the caller
 * may not read, a 404 says whether the monitor or the live API is missing, a 503 adds the
 * APIService's own reason for being unavailable.
 */
final class LiveErrors {
  static final String API_SERVICE_PATH =
      "/apis/apiregistration.k8s.io/v1/apiservices/" + LiveApi.API_SERVICE;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ApiGet api;
  private final Monitor monitor;

  LiveErrors(ApiGet api, Monitor monitor) {
    this.api = api;
    this.monitor = monitor;
  }

  /**
   * The error of an answer {@code code} with {@code body} to a request for the monitor's records.
   */
  PluginException of(int code, String body) {
    String message = message(code, body);
    String text =
        switch (code) {
          case 401 -> "the API server does not accept your credentials (401): " + message;
          case 403 -> "you may not read " + monitor + ": " + message;
          case 404 -> notFound(message);
          case 503 ->
              "the live API is not available (APIService "
                  + LiveApi.API_SERVICE
                  + "): "
                  + message
                  + apiServiceReason();
          default -> "the API server answered " + code + " for " + monitor + ": " + message;
        };
    return code >= 500 || code == 429
        ? PluginException.passing(text)
        : PluginException.failed(text);
  }

  /** The Status's message, else the body's first line, else the code. */
  static String message(int code, String body) {
    if (body != null && !body.isBlank()) {
      try {
        JsonNode status = JSON.readTree(body);
        if (status.hasNonNull("message") && !status.get("message").asText().isBlank()) {
          return status.get("message").asText();
        }
      } catch (Exception e) {
        // not JSON: the text itself below
      }
      String line = body.strip().lines().findFirst().orElse("");
      return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
    return "HTTP " + code;
  }

  private String notFound(String message) {
    String path =
        "/apis/"
            + TrafficMonitor.API_VERSION
            + (monitor.cluster()
                ? "/clustertrafficmonitors/" + monitor.name()
                : "/namespaces/" + monitor.namespace() + "/trafficmonitors/" + monitor.name());
    int code;
    try {
      code = api.get(path).code();
    } catch (PluginException e) {
      code = 0;
    }
    if (code == 404) {
      return monitor + " does not exist: " + message;
    }
    if (code >= 200 && code < 300) {
      return "the live API does not exist on this cluster (no APIService "
          + LiveApi.API_SERVICE
          + "; is the operator installed with it?), though "
          + monitor
          + " does: "
          + message;
    }
    return monitor
        + " or the live API (APIService "
        + LiveApi.API_SERVICE
        + ") does not exist: "
        + message;
  }

  /** "; APIService: Reason: message" when the caller may read the APIService and it says why. */
  private String apiServiceReason() {
    try {
      ApiGet.Answer a = api.get(API_SERVICE_PATH);
      if (!a.ok()) {
        return "";
      }
      for (JsonNode c : JSON.readTree(a.body()).path("status").path("conditions")) {
        if (c.path("type").asText().equals("Available")
            && !c.path("status").asText().equals("True")) {
          return "; the APIService says "
              + c.path("reason").asText("unavailable")
              + (c.hasNonNull("message") ? ": " + c.get("message").asText() : "");
        }
      }
    } catch (Exception e) {
      // 403 or unreadable: the live API's own message is all there is
    }
    return "";
  }
}
