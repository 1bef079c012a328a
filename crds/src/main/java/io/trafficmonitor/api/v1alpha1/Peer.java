package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** What an address is in the cluster: a pod (and its workload), a Service, a node, the world. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Peer {

  /** A pod's address. */
  public static final String POD = "Pod";

  /** A Service's cluster IP. */
  public static final String SERVICE = "Service";

  /** A node's address (also that of a pod on the node's network). */
  public static final String NODE = "Node";

  /** Any other address. */
  public static final String WORLD = "World";

  @JsonPropertyDescription(
      "Pod (the address of a pod), Service (the cluster IP of a Service), Node (an address of a"
          + " node, which pods on the host network share) or World (any other address: outside"
          + " the cluster, or a pod gone before the operator saw it). A TrafficMonitor names"
          + " only its own namespace's pods and Services: for those of another namespace only"
          + " the kind is given.")
  @Required
  private String kind;

  @JsonPropertyDescription("The namespace of the pod or Service.")
  private String namespace;

  @JsonPropertyDescription("The name of the pod, Service or node.")
  private String name;

  @JsonPropertyDescription(
      "The kind of the pod's workload: Deployment, StatefulSet, DaemonSet, Job, CronJob,"
          + " ReplicaSet (one no Deployment owns), or the kind of whatever other controller owns"
          + " the pod; missing for a pod no controller owns.")
  private String workloadKind;

  @JsonPropertyDescription("The name of the pod's workload, in the pod's namespace.")
  private String workload;

  public Peer() {}

  public Peer(String kind, String namespace, String name, String workloadKind, String workload) {
    this.kind = kind;
    this.namespace = namespace;
    this.name = name;
    this.workloadKind = workloadKind;
    this.workload = workload;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getWorkloadKind() {
    return workloadKind;
  }

  public void setWorkloadKind(String workloadKind) {
    this.workloadKind = workloadKind;
  }

  public String getWorkload() {
    return workload;
  }

  public void setWorkload(String workload) {
    this.workload = workload;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Peer p
        && Objects.equals(kind, p.kind)
        && Objects.equals(namespace, p.namespace)
        && Objects.equals(name, p.name)
        && Objects.equals(workloadKind, p.workloadKind)
        && Objects.equals(workload, p.workload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, namespace, name, workloadKind, workload);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(kind);
    if (name != null) {
      s.append(' ').append(namespace == null ? "" : namespace + "/").append(name);
    }
    if (workload != null) {
      s.append(" (").append(workloadKind).append(' ').append(workload).append(')');
    }
    return s.toString();
  }
}
