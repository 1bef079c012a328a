package io.trafficmonitor.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects the JVM's shared {@link TestCluster} (or the {@link LocalCluster}, or its {@link
 * KubernetesClient}) into test constructors and methods:
 * {@code @ExtendWith(ClusterExtension.class)}. The cluster is started on first use and stopped when
 * the JVM exits.
 */
public final class ClusterExtension implements ParameterResolver {

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    Class<?> type = p.getParameter().getType();
    return type == TestCluster.class
        || type == LocalCluster.class
        || type == KubernetesClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    Class<?> type = p.getParameter().getType();
    if (type == LocalCluster.class) {
      return LocalCluster.shared();
    }
    TestCluster cluster = TestCluster.shared();
    return type == KubernetesClient.class ? cluster.client() : cluster;
  }
}
