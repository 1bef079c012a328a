package io.trafficmonitor.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class AgentAudienceTest {
  private static String jwt(String claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8))
        + ".c2lnbmF0dXJl";
  }

  @Test
  void aTokenForTheAgentsIsReviewedForTheirAudience() {
    assertThat(AgentAudience.toReview(jwt("{\"aud\":[\"trafficmonitor.io/agent\"],\"sub\":\"x\"}")))
        .containsExactly(AgentAudience.AUDIENCE);
    assertThat(AgentAudience.toReview(jwt("{\"aud\":\"trafficmonitor.io/agent\"}")))
        .containsExactly(AgentAudience.AUDIENCE);
    assertThat(AgentAudience.toReview(jwt("{\"aud\":[\"k3s\",\"trafficmonitor.io/agent\"]}")))
        .containsExactly(AgentAudience.AUDIENCE);
  }

  @Test
  void anyOtherTokenIsReviewedForTheApiServersOwn() {
    assertThat(AgentAudience.toReview(jwt("{\"aud\":[\"https://kubernetes.default.svc\"]}")))
        .isEmpty();
    assertThat(AgentAudience.toReview(jwt("{\"sub\":\"no audience\"}"))).isEmpty();
    assertThat(AgentAudience.toReview("a-static-token")).isEmpty();
    assertThat(AgentAudience.toReview("not.base64!.jwt")).isEmpty();
    assertThat(AgentAudience.toReview("e30.bm90IGpzb24.x")).isEmpty();
    assertThat(AgentAudience.toReview("")).isEmpty();
  }
}
