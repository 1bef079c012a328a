package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A name for the flows of one port, added to the built-in ones (HTTP 80, HTTPS 443, DNS 53); it
 * labels flows as {@code application} in status.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Application {

  @JsonPropertyDescription(
      "The application's name, as a lowercase DNS label of at most 32 characters (grpc,"
          + " my-cache). Several entries may share a name (one per port).")
  @Required
  @Size(max = 32)
  @ValidationRule(
      value = "self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
      message =
          "applications[].name must be a lowercase DNS label such as grpc or my-cache: a-z, 0-9"
              + " and '-', starting and ending with a letter or digit")
  private String name;

  @JsonPropertyDescription(
      "The port, 1 to 65535, on either side of a flow. An entry for a built-in port (80, 443,"
          + " 53) replaces its built-in name.")
  @Required
  @Min(1)
  @Max(65535)
  private Integer port;

  @JsonPropertyDescription("TCP or UDP. Missing: both.")
  @ValidationRule(
      value = "self == 'TCP' || self == 'UDP'",
      message = "applications[].protocol must be TCP or UDP, or left out for both")
  private Protocol protocol;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public Protocol getProtocol() {
    return protocol;
  }

  public void setProtocol(Protocol protocol) {
    this.protocol = protocol;
  }
}
