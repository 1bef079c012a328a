package io.trafficmonitor.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a local cluster until SIGTERM or Ctrl-C, for the demo and for poking at by hand: {@code
 * LocalClusterMain [--kubelet-nodes N] [kubeconfig]}. With {@code --kubelet-nodes} (root) the
 * cluster gets N real kubelet nodes ({@link KubeletNodes}). The kubeconfig is copied to the given
 * path, if any.
 */
public final class LocalClusterMain {
  private LocalClusterMain() {}

  public static void main(String[] args) throws Exception {
    int kubeletNodes = 0;
    Path target = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--kubelet-nodes")) {
        kubeletNodes = Integer.parseInt(args[++i]);
      } else {
        target = Paths.get(args[i]);
      }
    }
    LocalCluster cluster =
        kubeletNodes > 0 ? LocalCluster.startWithKubeletNodes(kubeletNodes) : LocalCluster.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  cluster.close();
                  stopped.countDown();
                },
                "stop-local-cluster"));
    if (target != null) {
      Files.copy(cluster.kubeconfig(), target, StandardCopyOption.REPLACE_EXISTING);
      System.out.println("kubeconfig: " + target.toAbsolutePath());
    } else {
      System.out.println("kubeconfig: " + cluster.kubeconfig());
    }
    if (kubeletNodes > 0) {
      for (KubeletNode n : cluster.kubeletNodes().nodes()) {
        System.out.println(
            "kubelet node " + n.name() + ": " + n.address() + ", netns " + n.netns());
      }
    }
    System.out.println("local cluster ready in " + cluster.startTime().toMillis() + " ms");
    System.out.flush();
    stopped.await();
  }
}
