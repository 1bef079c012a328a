package io.trafficmonitor.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fails when the committed CRD YAML differs from what the model generates. Run with {@code
 * -Dtm.crd.update=true} to rewrite the committed copies.
 */
class CrdDriftTest {

  @Test
  void committedCrdsMatchTheModel() throws Exception {
    Map<String, String> generated = CrdYaml.generate();
    assertThat(generated.keySet()).containsExactlyElementsOf(CrdYaml.FILES);
    Path root = Path.of(System.getProperty("tm.repo.root", ".."));
    for (String name : CrdYaml.FILES) {
      check(root, CrdYaml.DIRECTORY + name, generated.get(name));
      check(
          root,
          CrdYaml.CHART_TEMPLATES + CrdYaml.CHART_FILES.get(name),
          CrdYaml.chartTemplate(generated.get(name)));
    }
  }

  private static void check(Path root, String committed, String expected) throws Exception {
    Path file = root.resolve(committed);
    if (Boolean.getBoolean("tm.crd.update")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, expected);
    }
    assertThat(file).as(committed).exists();
    assertThat(Files.readString(file))
        .as(committed + " is stale: regenerate with -Dtm.crd.update=true")
        .isEqualTo(expected);
  }
}
