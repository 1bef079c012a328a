package io.trafficmonitor.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * The token the operator sends the agents is bound to their own audience, {@value #AUDIENCE}: the
 * agents accept it (their TokenReview asks for that audience) and the API server refuses it for
 * anything else, so an agent, or whoever holds a node and answers at an agent's address, learns
 * nothing it could use against the API server. The operator's ServiceAccount token, which may
 * update the agents' DaemonSet, never leaves its pod. The chart's operator Deployment projects such
 * a token into {@link #OPERATOR_TOKEN_FILE} (the kubelet renews it); scrapers and tenants keep
 * sending their own tokens, whose audience is the API server's.
 */
public final class AgentAudience {
  /** The audience of the operator's tokens for the agents. */
  public static final String AUDIENCE = "trafficmonitor.io/agent";

  /** Where the operator's pod has its token for the agents (a projected ServiceAccount token). */
  public static final Path OPERATOR_TOKEN_FILE =
      Path.of("/var/run/secrets/trafficmonitor.io/agent/token");

  private static final ObjectMapper JSON = new ObjectMapper();

  private AgentAudience() {}

  /**
   * The audiences an agent asks the API server to authenticate {@code token} for: {@value
   * #AUDIENCE} when the token says it is meant for the agents (its {@code aud} claim, read but not
   * trusted: the API server checks the signature and the audience), else none (the API server's
   * own, what a scraper's or a user's token carries).
   */
  public static List<String> toReview(String token) {
    return claimsAudience(token) ? List.of(AUDIENCE) : List.of();
  }

  private static boolean claimsAudience(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return false; // not a JWT: a static token, which has no audience of its own
    }
    try {
      JsonNode aud = JSON.readTree(Base64.getUrlDecoder().decode(parts[1])).path("aud");
      if (aud.isTextual()) {
        return AUDIENCE.equals(aud.asText());
      }
      for (JsonNode a : aud) {
        if (AUDIENCE.equals(a.asText())) {
          return true;
        }
      }
      return false;
    } catch (IllegalArgumentException | IOException e) {
      return false; // not base64url JSON: the API server says what it is
    }
  }
}
