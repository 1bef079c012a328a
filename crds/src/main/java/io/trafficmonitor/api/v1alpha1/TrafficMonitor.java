package io.trafficmonitor.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Asks for eBPF traffic accounting of the selected pods of its own namespace on the selected nodes;
 * the agent of every node it covers counts them and reports back into {@code status}. Node
 * interfaces and pods of other namespaces are a {@link ClusterTrafficMonitor}'s: a tenant who may
 * create this kind in a namespace sees that namespace's traffic only.
 */
@ValidationRule(
    value = "!has(self.spec) || (!has(self.spec.interfaces) && !has(self.spec.namespaceSelector))",
    message = TrafficMonitor.NAMESPACED_ONLY)
@Group(TrafficMonitor.GROUP)
@Version(TrafficMonitor.VERSION)
@Kind("TrafficMonitor")
@Plural("trafficmonitors")
@Singular("trafficmonitor")
@ShortNames("tm")
@AdditionalPrinterColumn(
    name = "Pods",
    jsonPath = ".status.summary.pods",
    type = Type.INTEGER,
    getDescription = "Pods monitored, over all nodes")
@AdditionalPrinterColumn(
    name = "Nodes",
    jsonPath = ".status.summary.nodesReady",
    type = Type.STRING,
    getDescription = "Agents reporting / agents desired")
@AdditionalPrinterColumn(
    name = "RX",
    jsonPath = ".status.summary.rxRate",
    type = Type.STRING,
    getDescription = "Received bit rate, over all nodes")
@AdditionalPrinterColumn(
    name = "TX",
    jsonPath = ".status.summary.txRate",
    type = Type.STRING,
    getDescription = "Transmitted bit rate, over all nodes")
@AdditionalPrinterColumn(
    name = "Flows",
    jsonPath = ".status.summary.activeFlows",
    type = Type.INTEGER,
    getDescription = "Active flows, over all nodes")
@AdditionalPrinterColumn(
    name = "Retransmits",
    jsonPath = ".status.summary.retransmits",
    type = Type.INTEGER,
    priority = 1,
    getDescription = "TCP retransmits, over all nodes (kubectl get -o wide)")
@AdditionalPrinterColumn(
    name = "Lost",
    jsonPath = ".status.summary.sequence.lost",
    type = Type.INTEGER,
    priority = 1,
    getDescription =
        "Packets lost by spec.sequence's estimate, over all nodes (kubectl get -o wide)")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = Type.STRING,
    getDescription = "Whether every agent runs the current spec and reports")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = Type.DATE,
    getDescription = "Time since creation")
public class TrafficMonitor extends CustomResource<TrafficMonitorSpec, TrafficMonitorStatus>
    implements Namespaced {

  /** Why a namespaced monitor may not select node interfaces or other namespaces. */
  public static final String NAMESPACED_ONLY =
      "a TrafficMonitor observes the pods of its own namespace only: spec.interfaces and"
          + " spec.namespaceSelector need a ClusterTrafficMonitor";

  public static final String GROUP = "trafficmonitor.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;
  public static final String KIND = "TrafficMonitor";
  public static final String CRD_NAME = "trafficmonitors." + GROUP;
}
