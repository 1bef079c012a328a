package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** How one node interface's ingress is counted on a node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InterfaceHook {

  @JsonPropertyDescription("The interface's name on the node.")
  @Required
  private String name;

  @JsonPropertyDescription(
      "The hook that counts its ingress: TC, or XDP (native) in the driver. TC where XDP was"
          + " asked for but could not attach (status.nodes[].errors says why).")
  private String ingressHook;

  public InterfaceHook() {}

  public InterfaceHook(String name, String ingressHook) {
    this.name = name;
    this.ingressHook = ingressHook;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getIngressHook() {
    return ingressHook;
  }

  public void setIngressHook(String ingressHook) {
    this.ingressHook = ingressHook;
  }
}
