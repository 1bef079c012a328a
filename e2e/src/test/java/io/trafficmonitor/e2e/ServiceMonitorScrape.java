package io.trafficmonitor.e2e;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * The scrape configuration that the Prometheus Operator generates from a ServiceMonitor, for a
 * Prometheus that runs outside the cluster: {@code kubernetes_sd_configs} with role {@code
 * endpoints} against the API server (through a kubeconfig), the operator's relabelling (keep the
 * Service's labels and the endpoint's port, then the target labels {@code namespace}, {@code
 * service}, {@code pod}, {@code container}, {@code endpoint} and {@code job}) and the
 * ServiceMonitor's own {@code relabelings}; {@code honor_labels} false, as the operator's default;
 * the endpoint's {@code bearerTokenFile} as {@code authorization: {credentials_file: ...}}, the
 * token sent at every scrape, or its {@code authorization.credentials} (a Secret's key) the same
 * way; its {@code scheme} and {@code tlsConfig} (a CA from a Secret's key, the server name) as
 * {@code scheme} and {@code tls_config: {ca_file, server_name}}, the file being the Secret's key
 * written out as the Prometheus Operator mounts it. What the chart's ServiceMonitor says is what
 * Prometheus does, so the test proves the labels survive the relabelling a user's Prometheus
 * applies (the rules of prometheus-operator's {@code generateServiceMonitorConfig}, for the fields
 * the chart uses).
 */
final class ServiceMonitorScrape {
  private static final Pattern INVALID = Pattern.compile("[^a-zA-Z0-9_]");

  /** Where the kubelet projects a pod's ServiceAccount token: Prometheus' own, in its pod. */
  static final String SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

  private ServiceMonitorScrape() {}

  /**
   * The {@code scrape_configs} entry of {@code monitor}'s first endpoint, indented by two, for a
   * Prometheus outside the cluster that discovers through {@code kubeconfig} and whose own
   * ServiceAccount token (what {@value #SERVICE_ACCOUNT_TOKEN} holds in a Prometheus pod) is in
   * {@code serviceAccountToken}; {@code secretFile} writes a Secret's key (name, key) to a file and
   * gives its path (the CA of {@code tlsConfig.ca.secret}, the token of {@code
   * authorization.credentials}).
   */
  @SuppressWarnings("unchecked")
  static String scrapeConfig(
      GenericKubernetesResource monitor,
      Path kubeconfig,
      Path serviceAccountToken,
      BiFunction<String, String, Path> secretFile) {
    Map<String, Object> spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
    Map<String, Object> selector = (Map<String, Object>) spec.get("selector");
    Map<String, String> matchLabels = (Map<String, String>) selector.get("matchLabels");
    List<String> namespaces =
        (List<String>) ((Map<String, Object>) spec.get("namespaceSelector")).get("matchNames");
    Map<String, Object> endpoint = ((List<Map<String, Object>>) spec.get("endpoints")).get(0);
    String port = (String) endpoint.get("port");
    String jobLabel = (String) spec.get("jobLabel");

    List<String> relabel = new ArrayList<>();
    matchLabels.forEach(
        (k, v) ->
            relabel.add(
                rule(
                    "keep",
                    List.of(
                        "__meta_kubernetes_service_label_" + sanitize(k),
                        "__meta_kubernetes_service_labelpresent_" + sanitize(k)),
                    "(" + v + ");true",
                    null,
                    null)));
    relabel.add(rule("keep", List.of("__meta_kubernetes_endpoint_port_name"), port, null, null));
    relabel.add(
        rule(
            "replace",
            List.of(
                "__meta_kubernetes_endpoint_address_target_kind",
                "__meta_kubernetes_endpoint_address_target_name"),
            "Node;(.*)",
            "node",
            "${1}"));
    relabel.add(
        rule(
            "replace",
            List.of(
                "__meta_kubernetes_endpoint_address_target_kind",
                "__meta_kubernetes_endpoint_address_target_name"),
            "Pod;(.*)",
            "pod",
            "${1}"));
    relabel.add(rule("replace", List.of("__meta_kubernetes_namespace"), null, "namespace", null));
    relabel.add(rule("replace", List.of("__meta_kubernetes_service_name"), null, "service", null));
    relabel.add(rule("replace", List.of("__meta_kubernetes_pod_name"), null, "pod", null));
    relabel.add(
        rule("replace", List.of("__meta_kubernetes_pod_container_name"), null, "container", null));
    relabel.add(rule("replace", List.of("__meta_kubernetes_service_name"), null, "job", null));
    if (jobLabel != null) {
      relabel.add(
          rule(
              "replace",
              List.of("__meta_kubernetes_service_label_" + sanitize(jobLabel)),
              "(.+)",
              "job",
              "${1}"));
    }
    relabel.add("      - {target_label: endpoint, replacement: '" + port + "'}");
    for (Map<String, Object> r :
        (List<Map<String, Object>>) endpoint.getOrDefault("relabelings", List.of())) {
      relabel.add(
          rule(
              (String) r.getOrDefault("action", "replace"),
              (List<String>) r.get("sourceLabels"),
              (String) r.get("regex"),
              (String) r.get("targetLabel"),
              (String) r.get("replacement")));
    }
    String authorization = "";
    String tokenFile = (String) endpoint.get("bearerTokenFile");
    if (tokenFile != null) {
      Path file =
          tokenFile.equals(SERVICE_ACCOUNT_TOKEN) ? serviceAccountToken : Path.of(tokenFile);
      if (file == null) {
        throw new IllegalArgumentException(
            "the ServiceMonitor sends Prometheus' ServiceAccount token: give its file");
      }
      authorization = "authorization: {type: Bearer, credentials_file: '" + file + "'}";
    }
    Map<String, Object> auth = (Map<String, Object>) endpoint.get("authorization");
    if (auth != null) {
      // the Prometheus Operator puts the Secret's key into the configuration; a file is the same
      Map<String, String> secret = (Map<String, String>) auth.get("credentials");
      Path file = secretFile.apply(secret.get("name"), secret.get("key"));
      authorization =
          "authorization: {type: "
              + auth.getOrDefault("type", "Bearer")
              + ", credentials_file: '"
              + file
              + "'}";
    }
    String scheme = "scheme: " + endpoint.getOrDefault("scheme", "http");
    String tls = "";
    Map<String, Object> tlsConfig = (Map<String, Object>) endpoint.get("tlsConfig");
    if (tlsConfig != null) {
      List<String> fields = new ArrayList<>();
      Map<String, Object> ca = (Map<String, Object>) tlsConfig.get("ca");
      if (ca != null) {
        Map<String, String> secret = (Map<String, String>) ca.get("secret");
        fields.add("ca_file: '" + secretFile.apply(secret.get("name"), secret.get("key")) + "'");
      }
      if (tlsConfig.get("serverName") != null) {
        fields.add("server_name: '" + tlsConfig.get("serverName") + "'");
      }
      tls = "tls_config: {" + String.join(", ", fields) + "}";
    }
    return """
          - job_name: serviceMonitor/%s/%s/0
            honor_labels: false
            metrics_path: %s
            %s
            %s
            %s
            kubernetes_sd_configs:
              - role: endpoints
                kubeconfig_file: %s
                namespaces: {names: [%s]}
            relabel_configs:
        %s
        """
        .formatted(
            monitor.getMetadata().getNamespace(),
            monitor.getMetadata().getName(),
            endpoint.getOrDefault("path", "/metrics"),
            scheme,
            tls,
            authorization,
            kubeconfig,
            String.join(", ", namespaces),
            String.join("\n", relabel));
  }

  private static String rule(
      String action, List<String> sources, String regex, String target, String replacement) {
    StringBuilder b = new StringBuilder("      - {action: ").append(action);
    if (sources != null) {
      b.append(", source_labels: [").append(String.join(", ", sources)).append("]");
      if (sources.size() > 1) {
        b.append(", separator: ';'");
      }
    }
    if (regex != null) {
      b.append(", regex: '").append(regex).append("'");
    }
    if (target != null) {
      b.append(", target_label: ").append(target);
    }
    if (replacement != null) {
      b.append(", replacement: '").append(replacement).append("'");
    }
    return b.append("}").toString();
  }

  /** A Kubernetes label name as Prometheus' service discovery spells it in meta labels. */
  static String sanitize(String label) {
    return INVALID.matcher(label).replaceAll("_");
  }
}
