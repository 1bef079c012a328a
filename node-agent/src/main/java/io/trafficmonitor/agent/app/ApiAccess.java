package io.trafficmonitor.agent.app;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.trafficmonitor.access.AgentAudience;
import io.trafficmonitor.access.MonitorAccess;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Who may read what from an agent: the caller's bearer token is authenticated by the API server
 * (TokenReview), then its user must be allowed, as the API server's authorizer answers a
 * SubjectAccessReview, to {@code get} the monitor it asks about ({@link MonitorAccess}: a tenant
 * reads only the TrafficMonitors its RBAC lets it read), or, for every monitor's entries at once
 * (what the operator pulls), to write the status of TrafficMonitors in all namespaces ({@link
 * MonitorAccess#refusalToWriteStatus}): the operator, or a cluster admin; for {@code /metrics},
 * every monitor's series, to {@code get} that non-resource URL ({@link
 * MonitorAccess#refusalToGetMetrics}): a cluster's Prometheus. Answers are kept for {@link
 * #CACHE_NANOS} per token and question, as kube-rbac-proxy does, so a poller costs the API server
 * two requests a minute at most. The operator's token is bound to the agents' audience ({@link
 * AgentAudience}): it is reviewed for that audience, every other token for the API server's.
 */
final class ApiAccess {
  static final long CACHE_NANOS = 30_000_000_000L;

  private final Map<String, Long> allowedUntil = new ConcurrentHashMap<>();

  /** A refusal that says why, in its body (a bare exception's body is empty). */
  private static Response answer(int status, String message) {
    Response.ResponseBuilder r = Response.status(status).type("text/plain").entity(message + "\n");
    return status == 401 ? r.header("WWW-Authenticate", "Bearer").build() : r.build();
  }

  /**
   * Returns when the bearer token of {@code authorization} may get monitor {@code namespace/name}
   * ({@code namespace} null: a ClusterTrafficMonitor); throws 401 without a valid token, 403 when
   * its user may not read the monitor.
   */
  void check(KubernetesClient client, String authorization, String namespace, String name) {
    check(
        client,
        authorization,
        namespace + "\n" + name,
        caller -> MonitorAccess.refusal(client, caller, namespace, name));
  }

  /**
   * Returns when the bearer token of {@code authorization} may read every monitor's entries on this
   * node (it may write the status of all TrafficMonitors); 401 or 403 otherwise.
   */
  void checkStatusReader(KubernetesClient client, String authorization) {
    check(
        client,
        authorization,
        "\nstatus",
        caller -> MonitorAccess.refusalToWriteStatus(client, caller));
  }

  /**
   * Returns when the bearer token of {@code authorization} may scrape this agent (its user may get
   * the non-resource URL {@code /metrics}); 401 or 403 otherwise.
   */
  void checkMetricsReader(KubernetesClient client, String authorization) {
    check(
        client,
        authorization,
        "\nmetrics",
        caller -> MonitorAccess.refusalToGetMetrics(client, caller));
  }

  private void check(
      KubernetesClient client,
      String authorization,
      String question,
      Function<MonitorAccess.Caller, String> refusal) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new NotAuthorizedException(answer(401, "a bearer token is needed"));
    }
    String token = authorization.substring(7).trim();
    String key = token + "\n" + question;
    Long until = allowedUntil.get(key);
    long now = System.nanoTime();
    if (until != null && until - now > 0) {
      return;
    }
    if (client == null) {
      throw new ServiceUnavailableException("the agent has not started yet");
    }
    try {
      List<String> audiences = AgentAudience.toReview(token);
      TokenReview review =
          client
              .authentication()
              .v1()
              .tokenReviews()
              .create(
                  new TokenReviewBuilder()
                      .withNewSpec()
                      .withToken(token)
                      .withAudiences(audiences)
                      .endSpec()
                      .build());
      if (review.getStatus() == null
          || !Boolean.TRUE.equals(review.getStatus().getAuthenticated())) {
        throw new NotAuthorizedException(answer(401, "the token is not valid"));
      }
      // an API server that ignores the audiences asked for must not pass a token meant elsewhere
      if (!audiences.isEmpty()
          && (review.getStatus().getAudiences() == null
              || !review.getStatus().getAudiences().containsAll(audiences))) {
        throw new NotAuthorizedException(
            answer(401, "the API server did not check the token's audience " + audiences));
      }
      UserInfo user = review.getStatus().getUser();
      String refused =
          refusal.apply(
              new MonitorAccess.Caller(
                  user.getUsername(), user.getGroups(), user.getUid(), user.getExtra()));
      if (refused != null) {
        throw new ForbiddenException(answer(403, refused));
      }
    } catch (KubernetesClientException e) {
      throw new ServiceUnavailableException("cannot ask the API server: " + e.getMessage());
    }
    if (allowedUntil.size() > 10_000) {
      allowedUntil.clear(); // bounded: tokens come and go
    }
    allowedUntil.put(key, now + CACHE_NANOS);
  }
}
