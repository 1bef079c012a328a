package io.trafficmonitor.agent.target;

import io.fabric8.kubernetes.api.model.Pod;
import io.trafficmonitor.agent.spec.Glob;
import io.trafficmonitor.agent.spec.MonitorSettings;
import io.trafficmonitor.bpf.Direction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What should be attached on this node for a spec, given the selected pods and the node's
 * interfaces: the attachments, what every kernel target stands for, and what could not be resolved.
 */
public record TargetPlan(
    Set<Attachment> attachments,
    Map<Attachment, String> owners,
    TargetIndex index,
    Map<String, List<String>> errors,
    int pods,
    int interfaces) {

  /** Plans the attachments of {@code pods} (already selected) and the matching interfaces. */
  public static TargetPlan of(
      MonitorSettings settings, List<Pod> pods, List<Links.Link> nodeLinks, PodLookup resolver) {
    Set<Attachment> keys = new HashSet<>();
    Map<Attachment, String> owners = new HashMap<>();
    Map<Long, Target> cgroups = new HashMap<>();
    Map<Integer, Target> ifaces = new HashMap<>();
    Map<Long, Target> netns = new HashMap<>();
    Map<String, List<String>> errors = new HashMap<>();
    // kernel direction of each kind that carries traffic into the pod or node (ingress)
    List<Direction> podSide = new ArrayList<>();
    List<Direction> hostSide = new ArrayList<>();
    if (settings.ingress()) {
      podSide.add(Direction.INGRESS);
      hostSide.add(Direction.EGRESS);
    }
    if (settings.egress()) {
      podSide.add(Direction.EGRESS);
      hostSide.add(Direction.INGRESS);
    }
    int podCount = 0;
    for (Pod pod : pods) {
      String ns = pod.getMetadata().getNamespace();
      String name = pod.getMetadata().getName();
      String owner = "pod " + ns + "/" + name;
      PodResolver.Resolved r = resolver.resolve(pod, nodeLinks);
      if (!r.errors().isEmpty()) {
        errors.put(owner, r.errors());
      }
      if (r.cgroupDir().isPresent()) {
        Target t = Target.podCgroup(ns, name);
        for (long id : r.cgroupIds()) {
          cgroups.put(id, t);
        }
        if (r.netns() != 0) {
          netns.put(r.netns(), t);
        }
        long id = r.cgroupIds().isEmpty() ? 0 : idOf(r);
        for (Direction d : podSide) {
          Attachment k = Attachment.cgroup(r.cgroupDir().get(), id, d);
          keys.add(k);
          owners.put(k, owner);
        }
      }
      if (r.veth().isPresent()) {
        PodResolver.Veth v = r.veth().get();
        ifaces.put(v.ifindex(), Target.podVeth(ns, name, v.name()));
        for (Direction d : hostSide) {
          Attachment k = Attachment.tc(v.name(), v.ifindex(), d);
          keys.add(k);
          owners.put(k, owner);
        }
      }
      if (r.cgroupDir().isPresent() || r.veth().isPresent()) {
        podCount++;
      }
    }
    int ifaceCount = 0;
    for (Links.Link l : nodeLinks) {
      if (ifaces.containsKey(l.ifindex())
          || settings.interfaces().stream().noneMatch(g -> g.matches(l.name()))) {
        continue;
      }
      ifaces.put(l.ifindex(), Target.nodeInterface(l.name()));
      for (Direction d : podSide) { // a node interface's ingress is the node's
        Attachment k =
            d == Direction.INGRESS && settings.xdpIngress()
                ? Attachment.xdp(l.name(), l.ifindex())
                : Attachment.tc(l.name(), l.ifindex(), d);
        keys.add(k);
        owners.put(k, "interface " + l.name());
      }
      ifaceCount++;
    }
    for (String glob : settings.interfaces().stream().map(Glob::toString).toList()) {
      Glob g = Glob.compile(glob);
      if (nodeLinks.stream().noneMatch(l -> g.matches(l.name()))) {
        errors.put("interface " + glob, List.of("no interface of the node matches " + glob));
      }
    }
    return new TargetPlan(
        keys, owners, new TargetIndex(cgroups, ifaces, netns), errors, podCount, ifaceCount);
  }

  /**
   * The attachments of every plan, once: one program per hook whatever the monitors. When one
   * monitor counts an interface's ingress by XDP and another by TC, XDP counts it for both (the
   * same flows, bytes and packets): two programs would count its packets twice.
   */
  public static Set<Attachment> union(Collection<TargetPlan> plans) {
    Set<Attachment> all = new HashSet<>();
    plans.forEach(p -> all.addAll(p.attachments()));
    all.removeIf(k -> !k.xdp() && all.contains(Attachment.xdp(k.where(), (int) k.id())));
    return all;
  }

  private static long idOf(PodResolver.Resolved r) {
    try {
      return CgroupLayout.cgroupId(r.cgroupDir().get());
    } catch (IOException e) {
      return 0;
    }
  }
}
