package io.trafficmonitor.trafficgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/job.yaml, the example of the generator in a cluster: its containers run the image that
 * `make images` builds, with args that the generator accepts (read with the ConfigMap's TOML), a
 * client aimed at the Service and the server on the Service's port, all Restricted.
 */
class DeployManifestTest {
  private static final Map<String, Map<String, Object>> BY_KIND = new HashMap<>();

  @BeforeAll
  static void read() throws Exception {
    for (Object doc : new Yaml().loadAll(Files.readString(Path.of("deploy/job.yaml")))) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) doc;
      assertThat(BY_KIND.put((String) m.get("kind"), m)).as("one " + m.get("kind")).isNull();
    }
    assertThat(BY_KIND).containsOnlyKeys("ConfigMap", "Deployment", "Service", "Job");
  }

  /** The node at {@code path} (map keys and list indices), typed as the caller needs it. */
  @SuppressWarnings("unchecked")
  private static <T> T get(Object node, String... path) {
    Object n = node;
    for (String p : path) {
      n = p.matches("\\d+") ? ((List<Object>) n).get(Integer.parseInt(p)) : ((Map<?, ?>) n).get(p);
      assertThat(n).as(String.join(".", path)).isNotNull();
    }
    return (T) n;
  }

  /** The node at {@code path}, for assertions. */
  private static Object value(Object node, String... path) {
    return get(node, path);
  }

  /** The pod template's one container of a Deployment or a Job. */
  private static Map<String, Object> container(String kind) {
    List<Object> containers = get(BY_KIND.get(kind), "spec", "template", "spec", "containers");
    assertThat(containers).hasSize(1);
    return get(containers, "0");
  }

  /** The generator's options from a container's args, the ConfigMap's file in place of its path. */
  private static Options options(String kind, Path dir) throws Exception {
    Map<String, Object> c = container(kind);
    List<Map<String, Object>> mounts = get(c, "volumeMounts");
    Map<String, Object> mount =
        mounts.stream().filter(m -> m.get("name").equals("config")).findFirst().orElseThrow();
    List<Map<String, Object>> volumes =
        get(BY_KIND.get(kind), "spec", "template", "spec", "volumes");
    Map<String, Object> volume =
        volumes.stream().filter(v -> v.get("name").equals("config")).findFirst().orElseThrow();
    assertThat(value(volume, "configMap", "name"))
        .isEqualTo(value(BY_KIND.get("ConfigMap"), "metadata", "name"));
    Map<String, String> data = get(BY_KIND.get("ConfigMap"), "data");
    List<String> args = new ArrayList<>(get(c, "args"));
    int config = args.indexOf("--config");
    assertThat(config).isPositive();
    Path inPod = Path.of(args.get(config + 1));
    assertThat(inPod.getParent()).hasToString((String) mount.get("mountPath"));
    Path file = dir.resolve(inPod.getFileName().toString());
    Files.writeString(file, data.get(inPod.getFileName().toString()));
    args.set(config + 1, file.toString());
    return Options.parse(args.toArray(String[]::new));
  }

  @Test
  void runsTheProjectsImage() {
    String image =
        "localhost/trafficmonitor/trafficgen:" + System.getProperty("trafficgen.version");
    assertThat(System.getProperty("trafficgen.version")).isNotBlank();
    assertThat(container("Deployment")).containsEntry("image", image);
    assertThat(container("Job")).containsEntry("image", image);
  }

  @Test
  void argsAreTheGeneratorsAndMatchTheService(@TempDir Path dir) throws Exception {
    Options server = options("Deployment", dir);
    Options client = options("Job", dir);
    assertThat(server.mode()).isEqualTo("server");
    assertThat(client.mode()).isEqualTo("client");
    assertThat(server.protocol()).isEqualTo("https").isEqualTo(client.protocol());
    assertThat(client.insecure()).as("a client of the self-signed server").isTrue();
    assertThat(client.duration()).as("a Job ends").isNotNull();

    Map<String, Object> containerPort = get(container("Deployment"), "ports", "0");
    assertThat(containerPort.get("containerPort")).isEqualTo(server.address().getPort());
    Map<String, Object> service = BY_KIND.get("Service");
    Map<String, Object> servicePort = get(service, "spec", "ports", "0");
    assertThat(servicePort.get("targetPort")).isEqualTo(containerPort.get("name"));
    assertThat(client.address().getHostString()).isEqualTo(value(service, "metadata", "name"));
    assertThat(client.address().getPort()).isEqualTo(servicePort.get("port"));
    Map<String, Object> selector = get(service, "spec", "selector");
    assertThat(value(BY_KIND.get("Deployment"), "spec", "template", "metadata", "labels"))
        .isEqualTo(selector);
  }

  @Test
  void podsAreRestricted() {
    for (String kind : List.of("Deployment", "Job")) {
      Map<String, Object> pod = get(BY_KIND.get(kind), "spec", "template", "spec");
      assertThat(value(pod, "securityContext", "runAsNonRoot")).as(kind).isEqualTo(true);
      assertThat(value(pod, "securityContext", "seccompProfile", "type"))
          .as(kind)
          .isEqualTo("RuntimeDefault");
      Map<String, Object> c = container(kind);
      assertThat(value(c, "securityContext", "allowPrivilegeEscalation")).as(kind).isEqualTo(false);
      assertThat(value(c, "securityContext", "readOnlyRootFilesystem")).as(kind).isEqualTo(true);
      assertThat(value(c, "securityContext", "capabilities", "drop"))
          .as(kind)
          .isEqualTo(List.of("ALL"));
    }
    assertThat(value(BY_KIND.get("Job"), "spec", "template", "spec", "restartPolicy"))
        .isEqualTo("Never");
  }
}
