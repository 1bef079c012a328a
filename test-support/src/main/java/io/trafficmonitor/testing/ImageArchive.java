package io.trafficmonitor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The image names in an image archive: a docker-archive's RepoTags, or an OCI layout's refs. */
public final class ImageArchive {
  private ImageArchive() {}

  /** The names {@code ctr images import} will give the archive's images, first the first. */
  public static List<String> names(Path archive) {
    List<String> names = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try {
      ProcessResult manifest = extract(archive, "manifest.json");
      if (manifest.succeeded()) {
        for (JsonNode image : json.readTree(manifest.stdout())) {
          image.path("RepoTags").forEach(t -> names.add(t.asText()));
        }
      } else {
        ProcessResult index = extract(archive, "index.json").orThrow();
        for (JsonNode m : json.readTree(index.stdout()).path("manifests")) {
          JsonNode a = m.path("annotations");
          String name = a.path("io.containerd.image.name").asText("");
          names.add(name.isEmpty() ? a.path("org.opencontainers.image.ref.name").asText() : name);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read image names from " + archive, e);
    }
    if (names.isEmpty()) {
      throw new IllegalStateException("no image names in " + archive);
    }
    return names;
  }

  private static ProcessResult extract(Path archive, String file) {
    return Commands.run(Duration.ofSeconds(60), List.of("tar", "-xOf", archive.toString(), file));
  }
}
