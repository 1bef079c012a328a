package io.trafficmonitor.plugin.live;

import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.trafficmonitor.plugin.PluginException;
import java.util.concurrent.ExecutionException;

/**
 * GETs of API server paths through fabric8's HTTP client, so that authentication, TLS and
 * impersonation are the client's (the kubeconfig's), never the plugin's.
 */
final class ApiGet {
  /** One answer: the HTTP status code and the body as text. */
  record Answer(int code, String body) {
    boolean ok() {
      return code >= 200 && code < 300;
    }
  }

  private final HttpClient http;
  private final String server;

  ApiGet(HttpClient http, String masterUrl) {
    this.http = http;
    this.server =
        masterUrl.endsWith("/") ? masterUrl.substring(0, masterUrl.length() - 1) : masterUrl;
  }

  HttpClient http() {
    return http;
  }

  String server() {
    return server;
  }

  HttpRequest.Builder request(String pathAndQuery) {
    return http.newHttpRequestBuilder()
        .uri(server + pathAndQuery)
        .header("Accept", "application/json");
  }

  /**
   * GETs {@code pathAndQuery}.
   *
   * @throws PluginException when the API server cannot be reached
   */
  Answer get(String pathAndQuery) {
    try {
      HttpResponse<String> r = http.sendAsync(request(pathAndQuery).build(), String.class).get();
      return new Answer(r.code(), r.body() == null ? "" : r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PluginException.failed("interrupted");
    } catch (ExecutionException e) {
      throw unreachable(e.getCause());
    }
  }

  PluginException unreachable(Throwable cause) {
    String why = cause == null ? "" : cause.getMessage();
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        why = t.getMessage();
      }
    }
    return PluginException.passing("cannot reach the API server at " + server + ": " + why);
  }
}
