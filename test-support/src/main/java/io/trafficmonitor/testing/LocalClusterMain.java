package io.trafficmonitor.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a local cluster until SIGTERM or Ctrl-C, for the demo and for poking at by hand. The
 * kubeconfig is copied to the path given as the first argument, if any.
 */
public final class LocalClusterMain {
  private LocalClusterMain() {}

  public static void main(String[] args) throws Exception {
    LocalCluster cluster = LocalCluster.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  cluster.close();
                  stopped.countDown();
                },
                "stop-local-cluster"));
    if (args.length > 0) {
      Path target = Paths.get(args[0]);
      Files.copy(cluster.kubeconfig(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      System.out.println("kubeconfig: " + target.toAbsolutePath());
    } else {
      System.out.println("kubeconfig: " + cluster.kubeconfig());
    }
    System.out.println("local cluster ready in " + cluster.startTime().toMillis() + " ms");
    System.out.flush();
    stopped.await();
  }
}
