package io.trafficmonitor.api.v1alpha1;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A cluster-scoped {@link TrafficMonitor}, as cert-manager has ClusterIssuer beside Issuer: the
 * same spec and status, and what a namespaced monitor may not select: pods of any namespace ({@code
 * spec.namespaceSelector}; missing: every namespace) and node interfaces ({@code spec.interfaces}).
 * By default only cluster admins may create it (no aggregated role grants it to namespace users).
 * Its printer columns are TrafficMonitor's (copied when the CRD is generated).
 */
@Group(TrafficMonitor.GROUP)
@Version(TrafficMonitor.VERSION)
@Kind(ClusterTrafficMonitor.KIND)
@Plural("clustertrafficmonitors")
@Singular("clustertrafficmonitor")
@ShortNames("ctm")
public class ClusterTrafficMonitor
    extends CustomResource<TrafficMonitorSpec, TrafficMonitorStatus> {

  public static final String KIND = "ClusterTrafficMonitor";
  public static final String CRD_NAME = "clustertrafficmonitors." + TrafficMonitor.GROUP;
}
