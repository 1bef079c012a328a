package io.trafficmonitor.agent.attach;

import io.trafficmonitor.bpf.KernelFeatures;
import io.trafficmonitor.bpf.KernelFeatures.Check;
import io.trafficmonitor.bpf.KernelFeatures.Feature;
import io.trafficmonitor.bpf.KernelFeatures.State;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.datapath.flow.FlowDatapath.ValueMode;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * What the agent runs on this kernel, decided once at start from {@link KernelFeatures}: whether
 * the flow programs and the TCP health tracepoints can load, whether pods' cgroups can be used, the
 * TC mode and the flow value layout, and one status error per missing feature, e.g. {@code kernel
 * feature missing: tcx (needs Linux >= 6.6; falling back to clsact)}. A feature the kernel has but
 * refused for want of a capability reads {@code kernel feature not permitted: ...}.
 *
 * @param flows the flow programs can load (else nothing is measured; the status says why)
 * @param tcpHealth the TCP health and drop tracepoints can load
 * @param cgroups pods' cgroups can be attached to (cgroup v2 found)
 */
public record KernelCheck(
    boolean flows,
    boolean tcpHealth,
    boolean cgroups,
    TcMode tcMode,
    ValueMode valueMode,
    List<String> errors) {

  private static final Logger LOG = Logger.getLogger(KernelCheck.class);

  static final String FLOWS_OFF = ": flows not measured";
  static final String TCP_OFF = ": TCP health and drops not measured";
  static final String CGROUPS_OFF =
      ": pods' socket traffic (cgroup_skb) not measured, only their veths (TC)";

  /**
   * Probes the kernel once: what can run, and the status errors (logged) for what cannot; {@link
   * #unavailable} when the JNI shim itself does not load.
   */
  public static KernelCheck probe(TcMode tcMode, ValueMode valueMode, String cgroupProblem) {
    KernelCheck k;
    try {
      KernelFeatures features = KernelFeatures.probe();
      LOG.infof("kernel features: %s", features);
      k = of(features, tcMode, valueMode, cgroupProblem);
    } catch (RuntimeException e) { // the shim itself did not load
      k = unavailable(e.getMessage(), tcMode, valueMode);
    }
    k.errors().forEach(LOG::warn);
    return k;
  }

  /**
   * Decides from the probes, the configured TC mode and value layout, and whether a cgroup v2 root
   * was found ({@code cgroupProblem} null) or why not.
   */
  public static KernelCheck of(
      KernelFeatures k, TcMode tcMode, ValueMode valueMode, String cgroupProblem) {
    List<String> errors = new ArrayList<>();
    boolean flows = true;
    for (Feature f : List.of(Feature.SCHED_CLS, Feature.CGROUP_SKB, Feature.COARSE_CLOCK)) {
      if (!k.has(f)) {
        errors.add(message(k.check(f), null, FLOWS_OFF));
        flows = false;
      }
    }
    if (!k.has(Feature.TCX) && tcMode != TcMode.CLSACT) {
      if (tcMode == TcMode.AUTO) {
        errors.add(message(k.check(Feature.TCX), "falling back to clsact", ""));
        tcMode = TcMode.CLSACT;
      } else {
        errors.add(
            message(
                k.check(Feature.TCX), null, ": TC_MODE=tcx attaches nothing; use auto or clsact"));
      }
    }
    if (!k.has(Feature.PERCPU_HASH) && valueMode != ValueMode.SHARED) {
      errors.add(message(k.check(Feature.PERCPU_HASH), "flow values shared", ""));
      valueMode = ValueMode.SHARED;
    }
    boolean tcp = true;
    if (!k.has(Feature.BTF)) {
      errors.add(message(k.check(Feature.BTF), null, TCP_OFF));
      tcp = false; // tp_btf cannot be there either: not reported twice
    }
    for (Feature f : List.of(Feature.TP_BTF, Feature.LRU_HASH, Feature.SK_STORAGE)) {
      if (tcp || f != Feature.TP_BTF) {
        if (!k.has(f)) {
          errors.add(message(k.check(f), null, TCP_OFF));
          tcp = false;
        }
      }
    }
    boolean cgroups = cgroupProblem == null;
    if (!cgroups) {
      errors.add(
          message(new Check(Feature.CGROUP2, State.MISSING, cgroupProblem), null, CGROUPS_OFF));
    }
    return new KernelCheck(flows, tcp, cgroups, tcMode, valueMode, List.copyOf(errors));
  }

  /** When the JNI shim itself cannot load: nothing runs, the reason is the one error. */
  public static KernelCheck unavailable(String reason, TcMode tcMode, ValueMode valueMode) {
    return new KernelCheck(
        false, false, false, tcMode, valueMode, List.of("eBPF shim not loaded: " + reason));
  }

  /**
   * {@code kernel feature missing: <name> (<detail>; needs Linux >= <v>[; <note>])} <consequence>,
   * or {@code kernel feature not permitted: <name> (<detail>; needs <capabilities>)}<consequence>.
   */
  static String message(Check c, String note, String consequence) {
    Feature f = c.feature();
    StringBuilder b = new StringBuilder();
    String detail = c.detail() == null || c.detail().isBlank() ? "" : c.detail() + "; ";
    if (c.state() == State.DENIED) {
      b.append("kernel feature not permitted: ")
          .append(f.label())
          .append(" (")
          .append(detail)
          .append("needs ")
          .append(f.capabilities())
          .append(')');
    } else {
      b.append("kernel feature missing: ")
          .append(f.label())
          .append(" (")
          .append(detail)
          .append("needs Linux >= ")
          .append(f.since());
      if (note != null) {
        b.append("; ").append(note);
      }
      b.append(')');
    }
    return b.append(consequence).toString();
  }
}
