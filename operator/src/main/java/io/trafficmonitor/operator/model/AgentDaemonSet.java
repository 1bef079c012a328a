package io.trafficmonitor.operator.model;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.trafficmonitor.api.agent.AgentEnvironment;
import io.trafficmonitor.operator.AgentSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one agent DaemonSet of the cluster: an agent per node serves every TrafficMonitor and
 * ClusterTrafficMonitor. Its pod template holds only what the installation decides (image,
 * resources, placement) and where an agent keeps what outlives it (pins on the host's bpffs, a
 * checkpoint on the host's /run); monitors reach the running agents through their watch, so
 * creating, changing or deleting a monitor rolls nothing.
 */
public final class AgentDaemonSet {

  /** Name of the DaemonSet, and {@code app.kubernetes.io/name} of it and its pods. */
  public static final String NAME = "trafficmonitor-agent";

  /** Selects the DaemonSet and its pods; the chart's agent metrics Service selects the same. */
  public static final String SELECTOR = "app.kubernetes.io/name=" + NAME;

  private static final String CONTAINER = "agent";

  /** The port the chart's agent metrics Service targets by name. */
  public static final String METRICS_PORT_NAME = "metrics";

  /** Environment of the agent: who it is; which monitors it serves it learns from its watch. */
  public static final String ENV_NODE_NAME = AgentEnvironment.NODE_NAME;

  public static final String ENV_POD_NAME = AgentEnvironment.POD_NAME;
  public static final String ENV_METRICS_PORT = AgentEnvironment.METRICS_PORT;

  /** How the agent reports: {@link #STATUS_SERVE}, its entries pulled by the operator. */
  public static final String ENV_STATUS = AgentEnvironment.STATUS;

  public static final String STATUS_SERVE = AgentEnvironment.STATUS_SERVE;

  /**
   * The host's BPF filesystem, mounted at the same path in the agent. The agent pins its maps and
   * links under {@link #BPF_PIN_DIR} there, so that the kernel keeps counting while no agent runs
   * (a restart, a roll) and the next agent adopts them. No mount propagation: the pins are made
   * under the host's bpffs as it is mounted when the agent starts.
   */
  public static final String BPF_FS = "/sys/fs/bpf";

  /** Where on bpffs the agent pins ({@code TM_BPF_PIN_DIR}); the agent makes the directory. */
  public static final String BPF_PIN_DIR = BPF_FS + "/trafficmonitor";

  public static final String ENV_BPF_PIN_DIR = AgentEnvironment.BPF_PIN_DIR;

  /**
   * The agent's checkpoint directory ({@code TM_STATE_DIR}), a host path under {@code /run}: a
   * tmpfs, so the checkpoint lives exactly as long as the kernel state it describes (a reboot drops
   * both). Created by the kubelet when missing.
   */
  public static final String STATE_DIR = "/run/trafficmonitor";

  public static final String ENV_STATE_DIR = AgentEnvironment.STATE_DIR;

  /**
   * {@code namespace/name} of this DaemonSet ({@code TM_DAEMONSET}). An agent that stops keeps its
   * pins for the next one unless its DaemonSet is gone or being deleted (an uninstall: the garbage
   * collector deletes it with the operator's Deployment); then it removes them. Reading it needs
   * {@code get} on this DaemonSet: the chart's agent Role.
   */
  public static final String ENV_DAEMONSET = AgentEnvironment.DAEMONSET;

  private AgentDaemonSet() {}

  /**
   * The DaemonSet in the operator's {@code namespace}, owned by {@code owners} (the operator's
   * Deployment, or none).
   */
  public static DaemonSet desired(
      AgentSettings settings, String namespace, List<OwnerReference> owners) {
    Map<String, String> nodeSelector = new TreeMap<>(settings.nodeSelector());
    nodeSelector.put("kubernetes.io/os", "linux");
    return new DaemonSetBuilder()
        .withNewMetadata()
        .withName(NAME)
        .withNamespace(namespace)
        .withLabels(labels())
        .withOwnerReferences(owners)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(Map.of("app.kubernetes.io/name", NAME))
        .endSelector()
        .withNewUpdateStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxUnavailable(new IntOrString(1))
        .endRollingUpdate()
        .endUpdateStrategy()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels())
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName(settings.serviceAccount())
        // The agent attaches TC programs to the node's own interfaces and pods' host-side veths,
        // and serves /metrics on the node address: it lives in the node's network namespace.
        .withHostNetwork(true)
        .withDnsPolicy("ClusterFirstWithHostNet")
        // The node's process IDs: the agent asks the node's network namespace for the namespace
        // id of a process of the pod's cgroup (cgroup.procs holds host PIDs) to find its veth.
        .withHostPID(true)
        .withNodeSelector(nodeSelector)
        .withAffinity(architectures(settings.architectures()))
        .withTolerations(settings.tolerations())
        .withPriorityClassName(
            settings.priorityClassName().isEmpty() ? null : settings.priorityClassName())
        .withTerminationGracePeriodSeconds(30L)
        .withContainers(container(settings, namespace))
        .withVolumes(volumes(settings))
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** Labels of the DaemonSet and its pods. */
  static Map<String, String> labels() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", NAME);
    labels.put("app.kubernetes.io/component", "agent");
    labels.put("app.kubernetes.io/part-of", "trafficmonitor");
    labels.put("app.kubernetes.io/managed-by", Names.MANAGED_BY);
    return labels;
  }

  private static Container container(AgentSettings settings, String namespace) {
    return new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(settings.image())
        .withImagePullPolicy(settings.imagePullPolicy())
        .withEnv(env(settings, namespace))
        .addNewPort()
        .withName(METRICS_PORT_NAME)
        .withContainerPort(settings.metricsPort())
        .withProtocol("TCP")
        .endPort()
        .withResources(
            new ResourceRequirementsBuilder()
                .withRequests(
                    Map.of(
                        "cpu", new Quantity(settings.cpuRequest()),
                        "memory", new Quantity(settings.memoryRequest())))
                .withLimits(
                    Map.of(
                        "cpu", new Quantity(settings.cpuLimit()),
                        "memory", new Quantity(settings.memoryLimit())))
                .build())
        // Probed every second while the JVM starts (up to 2 minutes on a busy node, before the
        // liveness probe may restart it), so that the pod is Ready as soon as the agent is.
        .withStartupProbe(probe("/q/health/live", settings, 1, 120))
        .withLivenessProbe(probe("/q/health/live", settings, 10, 3))
        .withReadinessProbe(probe("/q/health/ready", settings, 10, 3))
        .withNewSecurityContext()
        // Root inside the container, but with only the capabilities below: no privileged mode,
        // no escalation, a read-only image.
        .withRunAsUser(0L)
        .withPrivileged(false)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withCapabilities(capabilities())
        .endSecurityContext()
        .withVolumeMounts(mounts(settings))
        .build();
  }

  /**
   * The capabilities the agent needs, and no more (node-agent/README.md, "Capabilities", says how
   * each was found necessary: CapabilitiesIT). Not SYS_ADMIN: the agent never enters another
   * namespace. Not SYS_RESOURCE: since Linux 5.11 BPF memory is charged to the memory cgroup, not
   * to RLIMIT_MEMLOCK, and some nodes (VMs whose bounding set lacks it) refuse a container that
   * asks.
   */
  static Capabilities capabilities() {
    return new CapabilitiesBuilder()
        .withDrop("ALL")
        .withAdd(
            // bpf(): load programs, create and read maps, BTF (kernel >= 5.8 splits it from
            // SYS_ADMIN).
            "BPF",
            // Load cgroup_skb and TC programs, attach TC (tcx or clsact) on node interfaces and
            // veths and cgroup_skb on pod cgroups, netlink queries of links and namespace ids.
            "NET_ADMIN",
            // The verifier allows the flow programs' packet pointer arithmetic only with it; tp_btf
            // tracepoints (TCP state, retransmits, kfree_skb).
            "PERFMON",
            // Read the network-namespace inode of a pod's process (another user's), so that drops
            // inside the pod's namespace count for the pod.
            "SYS_PTRACE")
        .build();
  }

  /** Agents only on nodes whose architecture the image (and its JNI library) is built for. */
  static Affinity architectures(List<String> architectures) {
    return new AffinityBuilder()
        .withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm()
        .addNewMatchExpression()
        .withKey("kubernetes.io/arch")
        .withOperator("In")
        .withValues(architectures)
        .endMatchExpression()
        .endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity()
        .build();
  }

  private static List<EnvVar> env(AgentSettings settings, String namespace) {
    List<EnvVar> env = new ArrayList<>(plainEnv(settings, namespace));
    if (settings.tls()) {
      // HTTPS only on the port, with the chart's certificate (node-agent's AgentTls)
      env.add(
          new EnvVarBuilder()
              .withName(AgentEnvironment.TLS_CERT_FILE)
              .withValue(TLS_DIR + "/tls.crt")
              .build());
      env.add(
          new EnvVarBuilder()
              .withName(AgentEnvironment.TLS_KEY_FILE)
              .withValue(TLS_DIR + "/tls.key")
              .build());
    }
    return env;
  }

  /** Where the agent's serving certificate (the Secret of {@code settings.tlsSecret()}) is. */
  public static final String TLS_DIR = "/etc/trafficmonitor/agent-tls";

  private static List<EnvVar> plainEnv(AgentSettings settings, String namespace) {
    return List.of(
        fieldRef(ENV_NODE_NAME, "spec.nodeName"),
        fieldRef(ENV_POD_NAME, "metadata.name"),
        new EnvVarBuilder()
            .withName(ENV_METRICS_PORT)
            .withValue(Integer.toString(settings.metricsPort()))
            .build(),
        new EnvVarBuilder()
            .withName("QUARKUS_HTTP_PORT")
            .withValue(Integer.toString(settings.metricsPort()))
            .build(),
        new EnvVarBuilder()
            .withName(AgentEnvironment.FLOW_VALUES)
            .withValue(settings.flowValues())
            .build(),
        new EnvVarBuilder()
            .withName(AgentEnvironment.MAX_SERIES)
            .withValue(Integer.toString(settings.maxSeries()))
            .build(),
        new EnvVarBuilder().withName(ENV_BPF_PIN_DIR).withValue(BPF_PIN_DIR).build(),
        new EnvVarBuilder().withName(ENV_STATE_DIR).withValue(STATE_DIR).build(),
        new EnvVarBuilder().withName(ENV_DAEMONSET).withValue(namespace + "/" + NAME).build(),
        // the operator pulls each agent's entries and writes every monitor's status itself
        new EnvVarBuilder().withName(ENV_STATUS).withValue(STATUS_SERVE).build(),
        new EnvVarBuilder().withName("JAVA_TOOL_OPTIONS").withValue(AGENT_JVM_OPTIONS).build(),
        new EnvVarBuilder().withName("MALLOC_ARENA_MAX").withValue("2").build());
  }

  /** JVM options of the agent container. */
  public static final String AGENT_JVM_OPTIONS = AgentEnvironment.JVM_OPTIONS;

  private static EnvVar fieldRef(String name, String path) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath(path)
        .endFieldRef()
        .endValueFrom()
        .build();
  }

  private static Probe probe(
      String path, AgentSettings settings, int periodSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withPort(new IntOrString(settings.metricsPort()))
        // the kubelet does not verify the certificate; the health checks need no token
        .withScheme(settings.tls() ? "HTTPS" : "HTTP")
        .endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withFailureThreshold(failureThreshold)
        .build();
  }

  private static List<Volume> volumes(AgentSettings settings) {
    List<Volume> volumes = new ArrayList<>(hostVolumes());
    if (settings.tls()) {
      volumes.add(
          new VolumeBuilder()
              .withName("tls")
              .withNewSecret()
              .withSecretName(settings.tlsSecret())
              .endSecret()
              .build());
    }
    return volumes;
  }

  private static List<Volume> hostVolumes() {
    return List.of(
        hostPath("cgroup", "/sys/fs/cgroup", "Directory"),
        hostPath("host-proc", "/proc", "Directory"),
        hostPath("bpffs", BPF_FS, "Directory"),
        hostPath("state", STATE_DIR, "DirectoryOrCreate"),
        // The root filesystem is read-only; the JVM and Vert.x want a writable temp directory.
        new VolumeBuilder()
            .withName("tmp")
            .withNewEmptyDir()
            .withMedium("Memory")
            .withSizeLimit(new Quantity("16Mi"))
            .endEmptyDir()
            .build());
  }

  private static List<VolumeMount> mounts(AgentSettings settings) {
    List<VolumeMount> mounts = new ArrayList<>(hostMounts());
    if (settings.tls()) {
      // a renewed Secret reaches the files; the agent reads them again hourly
      mounts.add(
          new VolumeMountBuilder()
              .withName("tls")
              .withMountPath(TLS_DIR)
              .withReadOnly(true)
              .build());
    }
    return mounts;
  }

  private static List<VolumeMount> hostMounts() {
    return List.of(
        // Pod cgroups (kubelet layout, named from the pod UID) for cgroup_skb attach.
        new VolumeMountBuilder()
            .withName("cgroup")
            .withMountPath("/sys/fs/cgroup")
            .withReadOnly(true)
            .build(),
        // Pod network namespaces, to find a pod's host-side veth.
        new VolumeMountBuilder()
            .withName("host-proc")
            .withMountPath("/host/proc")
            .withReadOnly(true)
            .build(),
        // Pinned maps and links: writable (the root filesystem is read-only, this mount is not).
        // Pinning, opening a pin and unpinning need none of the capabilities the agent lacks
        // (measured with these four only: README.md, "Capabilities").
        new VolumeMountBuilder().withName("bpffs").withMountPath(BPF_FS).build(),
        // The checkpoint, written at shutdown and read at start.
        new VolumeMountBuilder().withName("state").withMountPath(STATE_DIR).build(),
        new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
  }

  private static Volume hostPath(String name, String path, String type) {
    return new VolumeBuilder()
        .withName(name)
        .withNewHostPath()
        .withPath(path)
        .withType(type)
        .endHostPath()
        .build();
  }
}
