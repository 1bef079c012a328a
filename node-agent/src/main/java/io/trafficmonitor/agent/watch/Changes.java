package io.trafficmonitor.agent.watch;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.Objects;
import java.util.function.BiPredicate;

/** Which informer events ask for a reconcile: the handlers and what an update must change. */
final class Changes {
  private Changes() {}

  /** Every add, update and delete runs {@code onChange}. */
  static <T> ResourceEventHandler<T> any(Runnable onChange) {
    return on(onChange, (a, b) -> true);
  }

  /**
   * Every add and delete runs {@code onChange}, and the updates that {@code matters} says change
   * what this agent serves: not a monitor's own status (written by the agents every interval), nor
   * a node's heartbeat.
   */
  static <T> ResourceEventHandler<T> on(Runnable onChange, BiPredicate<T, T> matters) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.run();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        if (oldObj == null || newObj == null || matters.test(oldObj, newObj)) {
          onChange.run();
        }
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onChange.run();
      }
    };
  }

  /** A monitor's spec (its generation), labels or deletion changed, not only its status. */
  static boolean specChanged(HasMetadata a, HasMetadata b) {
    ObjectMeta x = a.getMetadata();
    ObjectMeta y = b.getMetadata();
    return !Objects.equals(x.getGeneration(), y.getGeneration())
        || !Objects.equals(x.getLabels(), y.getLabels())
        || !Objects.equals(x.getDeletionTimestamp(), y.getDeletionTimestamp())
        || !Objects.equals(x.getUid(), y.getUid());
  }

  /** A namespace's labels (what namespaceSelector matches) changed. */
  static boolean labelsChanged(HasMetadata a, HasMetadata b) {
    return !Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels());
  }

  /** The node's labels or taints (what nodeSelector and tolerations match) changed. */
  static boolean nodeChanged(Node a, Node b) {
    return labelsChanged(a, b)
        || !Objects.equals(
            a.getSpec() == null ? null : a.getSpec().getTaints(),
            b.getSpec() == null ? null : b.getSpec().getTaints());
  }
}
