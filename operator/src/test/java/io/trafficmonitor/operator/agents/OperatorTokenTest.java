package io.trafficmonitor.operator.agents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorTokenTest {
  @TempDir Path dir;

  @Test
  void inAPodTheTokenForTheAgentsIsSentAsTheKubeletRenewsIt() throws Exception {
    Path agent = Files.writeString(dir.resolve("agent"), "for-the-agents-1\n");
    Path account = Files.writeString(dir.resolve("account"), "the-api-servers");
    OperatorToken token = new OperatorToken(agent, account, "kubeconfig");
    assertThat(token.get()).isEqualTo("for-the-agents-1");
    Files.writeString(agent, "for-the-agents-2");
    assertThat(token.get()).isEqualTo("for-the-agents-2");
  }

  @Test
  void inAPodWithoutItNoTokenIsSentNotTheServiceAccounts() throws Exception {
    Path account = Files.writeString(dir.resolve("account"), "the-api-servers");
    OperatorToken token = new OperatorToken(dir.resolve("absent"), account, "kubeconfig");
    assertThat(token.get()).isNull();
    Files.writeString(dir.resolve("empty"), " \n");
    assertThat(new OperatorToken(dir.resolve("empty"), account, "kubeconfig").get()).isNull();
  }

  @Test
  void outsideAPodTheKubeconfigsTokenIsSent() {
    assertThat(new OperatorToken(dir.resolve("a"), dir.resolve("b"), "kubeconfig").get())
        .isEqualTo("kubeconfig");
    assertThat(new OperatorToken(dir.resolve("a"), dir.resolve("b"), null).get()).isNull();
  }
}
