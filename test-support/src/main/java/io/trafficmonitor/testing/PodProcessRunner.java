package io.trafficmonitor.testing;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Plays the kubelet's container runtime for the pods of a label selector (the agent DaemonSets'
 * pods): when the scheduler binds such a pod to a rig node, its first container runs as a local
 * process with the container's environment (values and the downward API's fieldRefs resolved as a
 * kubelet would), and the pod is marked Running; when the pod is deleted, the process gets SIGTERM
 * and the pod object is removed once it exited.
 *
 * <p>Where it differs from a kubelet, said plainly: the process runs in the host's network
 * namespace (the API server listens on the host's loopback), with {@code NODE_NETNS} naming its
 * node's namespace for the agent to enter, and an HTTP port of its own on 127.0.0.1 (overriding the
 * container's port variables), because every "node" shares one loopback.
 */
public final class PodProcessRunner implements AutoCloseable {

  /** What to run for a pod: the command, and environment added on top of the container's. */
  public interface Launcher {
    List<String> command(Pod pod);

    default Map<String, String> extraEnv(Pod pod) {
      return Map.of();
    }
  }

  /** A pod's process and the port it serves HTTP on. */
  public record Running(Pod pod, Process process, int port, Path log) {
    public String node() {
      return pod.getSpec().getNodeName();
    }
  }

  private final KubernetesClient client;
  private final NodeNetwork network;
  private final Launcher launcher;
  private final List<String> portVariables;
  private final Path logDir;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final SharedIndexInformer<Pod> informer;

  /**
   * Starts running the pods with {@code labels} in {@code namespace} (all namespaces when null).
   * {@code portVariables} are the container variables that name its HTTP port; each pod gets a free
   * loopback port in them.
   */
  public PodProcessRunner(
      KubernetesClient client,
      NodeNetwork network,
      String namespace,
      Map<String, String> labels,
      List<String> portVariables,
      Launcher launcher) {
    this.client = client;
    this.network = network;
    this.launcher = launcher;
    this.portVariables = portVariables;
    try {
      this.logDir = Files.createTempDirectory("tm-pods-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    var pods =
        namespace == null ? client.pods().inAnyNamespace() : client.pods().inNamespace(namespace);
    this.informer =
        pods.withLabels(labels)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    reconcile(pod);
                  }

                  @Override
                  public void onUpdate(Pod old, Pod pod) {
                    reconcile(pod);
                  }

                  @Override
                  public void onDelete(Pod pod, boolean unknown) {
                    stop(key(pod));
                  }
                });
  }

  private static String key(Pod p) {
    return p.getMetadata().getNamespace()
        + "/"
        + p.getMetadata().getName()
        + "/"
        + p.getMetadata().getUid();
  }

  private synchronized void reconcile(Pod pod) {
    String key = key(pod);
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      stop(key);
      try {
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .withGracePeriod(0)
            .delete();
      } catch (RuntimeException e) {
        // already gone
      }
      return;
    }
    String node = pod.getSpec().getNodeName();
    if (node == null
        || running.containsKey(key)
        || network.nodes().stream().noneMatch(n -> n.name().equals(node))) {
      return;
    }
    int port = freePort();
    Map<String, String> env = environment(pod, network.node(node));
    for (String v : portVariables) {
      env.put(v, Integer.toString(port));
    }
    env.putAll(launcher.extraEnv(pod));
    Path log = logDir.resolve(pod.getMetadata().getName() + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(launcher.command(pod))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      running.put(key, new Running(pod, p, port, log));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    markRunning(pod, network.node(node));
  }

  private Map<String, String> environment(Pod pod, NodeNetwork.Node node) {
    Map<String, String> env = new LinkedHashMap<>();
    Container c = pod.getSpec().getContainers().get(0);
    for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      } else if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
        String path = e.getValueFrom().getFieldRef().getFieldPath();
        env.put(
            e.getName(),
            switch (path) {
              case "metadata.name" -> pod.getMetadata().getName();
              case "metadata.namespace" -> pod.getMetadata().getNamespace();
              case "metadata.uid" -> pod.getMetadata().getUid();
              case "spec.nodeName" -> pod.getSpec().getNodeName();
              case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
              case "status.hostIP", "status.podIP" -> node.address();
              default -> throw new IllegalStateException("the rig cannot resolve fieldRef " + path);
            });
      }
    }
    env.put("NODE_NETNS", node.netnsPath().toString());
    return env;
  }

  private void markRunning(Pod pod, NodeNetwork.Node node) {
    Container c = pod.getSpec().getContainers().get(0);
    PodStatus status =
        PodStatuses.running(node.address(), node.address(), null, c.getName(), c.getImage());
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .editStatus(p -> new PodBuilder(p).withStatus(status).build());
    } catch (RuntimeException e) {
      // the pod went away meanwhile
    }
  }

  private void stop(String key) {
    Running r = running.remove(key);
    if (r == null) {
      return;
    }
    r.process().toHandle().destroy();
    try {
      if (!r.process().waitFor(20, TimeUnit.SECONDS)) {
        r.process().destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r.process().destroyForcibly();
    }
  }

  /** The pods running now. */
  public List<Running> running() {
    return new ArrayList<>(running.values());
  }

  /** The directory of the processes' logs. */
  public Path logDir() {
    return logDir;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Java on this machine, for launchers that run a jar. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  @Override
  public void close() {
    informer.close();
    for (String key : new ArrayList<>(running.keySet())) {
      stop(key);
    }
    if (System.getenv("TM_KEEP_CLUSTER_DIR") == null) {
      ClusterDirs.delete(logDir);
    }
  }
}
