package io.trafficmonitor.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects {@link KubeletNodes} into test constructors and methods: a cluster of its own started
 * with {@link LocalCluster.Options#KUBELET_NODES} and {@value #NODES} Ready kubelet nodes, shared
 * by every test class of the run that asks for it and closed when the run ends; {@link
 * KubeletNodes#cluster()} is that cluster. Under {@code CI=true} a missing privilege, binary or
 * pause image fails the test; elsewhere it is skipped with the reason printed.
 *
 * <pre>{@code
 * @ExtendWith(KubeletNodesExtension.class)
 * class MyE2E {
 *   @Test
 *   void runs(KubeletNodes nodes) {
 *     nodes.loadImage(KubeletNodes.imageArchive("node-agent"));
 *     nodes.cluster().kubectl("apply", "-f", ...);
 *   }
 * }
 * }</pre>
 */
public final class KubeletNodesExtension implements ParameterResolver {
  /** How many nodes the shared cluster starts with; a test may add more. */
  public static final int NODES = 2;

  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(KubeletNodesExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == KubeletNodes.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    KubeletNodes.requireSupported();
    return e.getRoot()
        .getStore(NS)
        .computeIfAbsent("cluster", k -> new Shared(), Shared.class)
        .cluster
        .kubeletNodes();
  }

  /** Closed by JUnit when the run ends (an AutoCloseable value of the root store). */
  private static final class Shared implements AutoCloseable {
    final LocalCluster cluster = LocalCluster.startWithKubeletNodes(NODES);

    @Override
    public void close() {
      cluster.close();
    }
  }
}
