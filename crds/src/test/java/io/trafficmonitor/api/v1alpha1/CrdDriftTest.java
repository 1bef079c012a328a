package io.trafficmonitor.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Fails when the committed CRD YAML differs from what the model generates. Run with {@code
 * -Dtm.crd.update=true} to rewrite the committed copies.
 */
class CrdDriftTest {

  @Test
  void committedCrdsMatchTheModel() throws Exception {
    String generated = CrdYaml.generate();
    Path root = Path.of(System.getProperty("tm.repo.root", ".."));
    for (String committed : CrdYaml.COMMITTED) {
      Path file = root.resolve(committed);
      if (Boolean.getBoolean("tm.crd.update")) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, generated);
      }
      assertThat(file).as(committed).exists();
      assertThat(Files.readString(file))
          .as(committed + " is stale: regenerate with -Dtm.crd.update=true")
          .isEqualTo(generated);
    }
  }
}
