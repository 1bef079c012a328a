package io.trafficmonitor.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The tools' versions that tests look for are the ones hack/setup.sh builds. */
class ToolsTest {
  @Test
  void theVersionsAreTheOnesSetupBuilds() throws Exception {
    String setup = Files.readString(Tools.repoRoot().resolve("hack/setup.sh"));
    assertThat(setup)
        .contains("helm_version=\"" + Tools.HELM_VERSION + "\"")
        .contains("prometheus_version=\"" + Tools.PROMETHEUS_VERSION + "\"");
  }
}
