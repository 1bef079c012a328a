package io.trafficmonitor.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.trafficmonitor.agent.attach.StaleFilters;
import io.trafficmonitor.agent.target.CgroupLayout;
import io.trafficmonitor.agent.target.Links;
import io.trafficmonitor.agent.target.PodResolver;
import io.trafficmonitor.bpf.BpfLink;
import io.trafficmonitor.bpf.Direction;
import io.trafficmonitor.bpf.KernelFeatures;
import io.trafficmonitor.bpf.Netlink;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.datapath.flow.FlowDatapath;
import io.trafficmonitor.datapath.flow.FlowLayout;
import io.trafficmonitor.datapath.tcp.TcpHealth;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Every kernel operation of the agent, one after the other, each reported as {@code STEP <name> OK}
 * or {@code STEP <name> FAIL <why>}: run by {@link CapabilitiesIT} in the node's network namespace
 * with one capability taken away at a time. The operations are the agent's own code paths
 * (PodResolver, FlowDatapath, Netlink, StaleFilters, TcpHealth), without the API server.
 *
 * <pre>
 * KernelSteps CGROUP_ROOT HOST_PROC POD_UID POD_IP
 * </pre>
 */
public final class KernelSteps {
  private KernelSteps() {}

  public static void main(String[] args) throws Exception {
    Path cgroupRoot = Path.of(args[0]);
    Path hostProc = Path.of(args[1]);
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .withNamespace("n")
            .withUid(args[2])
            .endMetadata()
            .withNewStatus()
            .withPodIP(args[3])
            .addNewPodIP(args[3])
            .endStatus()
            .build();
    step("probe kernel features", () -> absent(KernelFeatures.probe()));
    FlowDatapath dp = step("load flow programs", FlowDatapath::open);
    List<Links.Link> links = step("list links", () -> Links.list(Optional.empty()));
    PodResolver.Resolved r =
        step(
            "find pod cgroup and veth",
            () -> {
              PodResolver.Resolved x =
                  new PodResolver(
                          Optional.of(cgroupRoot),
                          CgroupLayout.Driver.AUTO,
                          Optional.empty(),
                          hostProc)
                      .resolve(pod, links == null ? List.of() : links);
              if (x.cgroupDir().isEmpty() || x.veth().isEmpty()) {
                throw new IllegalStateException(String.join("; ", x.errors()));
              }
              return x;
            });
    step(
        "read pod netns inode",
        () -> {
          if (r == null || r.netns() == 0) {
            throw new IllegalStateException(
                r == null
                    ? "no pod"
                    : r.errors().isEmpty()
                        ? "no process of the pod is visible (another PID namespace)"
                        : String.join("; ", r.errors()));
          }
          return r.netns();
        });
    if (dp == null || r == null) {
      return;
    }
    int ifindex = r.veth().get().ifindex();
    step(
        "attach cgroup_skb",
        () -> {
          dp.attachCgroup(r.cgroupDir().get(), Direction.INGRESS).close();
          return null;
        });
    step(
        "attach tcx",
        () -> {
          tc(dp, ifindex, TcMode.TCX).close();
          return null;
        });
    step(
        "attach clsact, list and delete its filter",
        () -> {
          BpfLink l = tc(dp, ifindex, TcMode.CLSACT);
          try (Netlink nl = Netlink.open(Optional.empty())) {
            List<Netlink.TcFilter> f = StaleFilters.ours(nl.tcFilters(ifindex, true));
            if (f.size() != 1) {
              throw new IllegalStateException("filters " + f);
            }
            nl.deleteTcFilter(f.get(0));
          } finally {
            l.close();
          }
          return null;
        });
    step("clean stale filters", () -> StaleFilters.clean(Optional.empty(), hostProc));
    step(
        "attach TCP health tracepoints",
        () -> {
          TcpHealth.open().close();
          return null;
        });
    step("read flows", () -> dp.readFlows((k, v) -> {}));
    dp.close();
  }

  private static BpfLink tc(FlowDatapath dp, int ifindex, TcMode mode) {
    return dp.object()
        .program(FlowLayout.PROG_TC_INGRESS)
        .attachTc(ifindex, Direction.INGRESS, mode);
  }

  /** Fails naming the absent features (bpffs aside: nothing is pinned). */
  private static String absent(KernelFeatures k) {
    List<KernelFeatures.Check> absent =
        k.absent().stream().filter(c -> c.feature() != KernelFeatures.Feature.BPFFS).toList();
    if (!absent.isEmpty()) {
      throw new IllegalStateException(absent.toString());
    }
    return k.toString();
  }

  private static <T> T step(String name, Callable<T> body) {
    try {
      T t = body.call();
      System.out.println("STEP " + name + " OK");
      return t;
    } catch (Throwable e) {
      System.out.println(
          "STEP " + name + " FAIL " + String.valueOf(e.getMessage()).replace('\n', ' '));
      return null;
    }
  }
}
