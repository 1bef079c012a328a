package io.trafficmonitor.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Leader election of the operator's replicas, with java-operator-sdk's Lease ({@link
 * OperatorSettings#LEASE} in the operator's namespace; client-go's timing: a 15 s lease, renewed
 * every 2 s, given up after 10 s without renewal). Every replica starts its informers, so a new
 * leader starts from warm caches; only the leader processes events (JOSDK starts its event
 * processing on election) and keeps the agent DaemonSet ({@code onLead}).
 *
 * <p>A leader that loses its Lease without being stopped (the API server unreachable past the renew
 * deadline) exits, as JOSDK does, so that two replicas never reconcile at once; its container
 * restarts as a follower. A leader that is stopped (SIGTERM: a roll, a drain) releases the Lease
 * after its last write, so a follower takes over at its next try (2 s) instead of when the lease
 * runs out (15 s). JOSDK's own exit is off: in 5.3.2 it would call {@code System.exit} from the
 * shutdown hook that stops the operator, and block the JVM's shutdown for good.
 */
final class Leadership {
  private static final Logger LOG = Logger.getLogger(Leadership.class);

  private final OperatorSettings settings;
  private final Runnable onLead;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile boolean leading;
  private volatile String leader;

  Leadership(OperatorSettings settings, Runnable onLead) {
    this.settings = settings;
    this.onLead = onLead;
  }

  /**
   * JOSDK's configuration of this election, with its default timing. Built with the constructor:
   * JOSDK's builder refuses to switch its exit off outside tests.
   */
  LeaderElectionConfiguration configuration() {
    return new LeaderElectionConfiguration(
        OperatorSettings.LEASE,
        settings.namespace(),
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        settings.identity(),
        new LeaderCallbacks(this::startedLeading, this::stoppedLeading, this::newLeader),
        false);
  }

  /** Whether this replica leads. */
  boolean leading() {
    return leading;
  }

  /** The identity of the leader as last seen, or null before the first election. */
  String leader() {
    return leader;
  }

  private void startedLeading() {
    leading = true;
    LOG.infof(
        "%s leads (Lease %s/%s)",
        settings.identity(), settings.namespace(), OperatorSettings.LEASE);
    try {
      onLead.run();
    } catch (RuntimeException e) {
      LOG.error("starting to lead failed", e); // a bug: onLead handles what the API server refuses
    }
  }

  private void stoppedLeading() {
    leading = false;
    if (stopping.get()) {
      return;
    }
    LOG.errorf(
        "%s lost the Lease %s/%s (not renewed in time); exiting so that another replica leads",
        settings.identity(), settings.namespace(), OperatorSettings.LEASE);
    // Not on this thread: it belongs to the executor that the shutdown hooks wait for.
    new Thread(() -> System.exit(1), "lost-leadership").start();
  }

  private void newLeader(String identity) {
    leader = identity;
  }

  /** From now on, losing the Lease is this replica's own doing (it is being stopped). */
  void stopping() {
    stopping.set(true);
  }

  /**
   * Gives the Lease up if this replica still holds it, as client-go does on release: no holder, a 1
   * s lease. Call once the replica no longer writes. A conflict (another replica took it meanwhile)
   * or an unreachable API server leaves it to run out.
   */
  void release(KubernetesClient client) {
    try {
      Lease lease =
          client.leases().inNamespace(settings.namespace()).withName(OperatorSettings.LEASE).get();
      if (lease == null
          || lease.getSpec() == null
          || !Objects.equals(settings.identity(), lease.getSpec().getHolderIdentity())) {
        return;
      }
      ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
      lease.getSpec().setHolderIdentity(null);
      lease.getSpec().setLeaseDurationSeconds(1);
      lease.getSpec().setAcquireTime(now);
      lease.getSpec().setRenewTime(now);
      client.resource(lease).update(); // with its resourceVersion: fails if it changed meanwhile
      LOG.infof("%s released the Lease", settings.identity());
    } catch (KubernetesClientException e) {
      LOG.warnf("the Lease was not released (it runs out by itself): %s", e.getMessage());
    }
  }
}
