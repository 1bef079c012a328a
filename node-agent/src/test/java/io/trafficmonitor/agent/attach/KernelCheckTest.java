package io.trafficmonitor.agent.attach;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.bpf.KernelFeatures;
import io.trafficmonitor.bpf.KernelFeatures.Check;
import io.trafficmonitor.bpf.KernelFeatures.Feature;
import io.trafficmonitor.bpf.KernelFeatures.State;
import io.trafficmonitor.bpf.TcMode;
import io.trafficmonitor.datapath.flow.FlowDatapath.ValueMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the agent runs, and says, for each missing kernel feature (probes given by hand). */
class KernelCheckTest {
  static KernelCheck check(Check... missing) {
    return KernelCheck.of(KernelFeatures.of(List.of(missing)), TcMode.AUTO, ValueMode.AUTO, null);
  }

  static Check missing(Feature f) {
    return new Check(f, State.MISSING, "");
  }

  @Test
  void aCompleteKernelRunsEverythingAndSaysNothing() {
    KernelCheck k = check();
    assertThat(k.flows()).isTrue();
    assertThat(k.tcpHealth()).isTrue();
    assertThat(k.cgroups()).isTrue();
    assertThat(k.tcMode()).isEqualTo(TcMode.AUTO);
    assertThat(k.valueMode()).isEqualTo(ValueMode.AUTO);
    assertThat(k.errors()).isEmpty();
  }

  @Test
  void withoutTcxClsactIsUsedAndSaid() {
    KernelCheck k = check(missing(Feature.TCX));
    assertThat(k.tcMode()).isEqualTo(TcMode.CLSACT);
    assertThat(k.flows()).isTrue();
    assertThat(k.errors())
        .containsExactly(
            "kernel feature missing: tcx (needs Linux >= 6.6; falling back to clsact)");
    KernelCheck forced =
        KernelCheck.of(
            KernelFeatures.of(List.of(missing(Feature.TCX))), TcMode.TCX, ValueMode.AUTO, null);
    assertThat(forced.errors()).singleElement().asString().contains("TC_MODE=tcx attaches nothing");
    KernelCheck clsact =
        KernelCheck.of(
            KernelFeatures.of(List.of(missing(Feature.TCX))), TcMode.CLSACT, ValueMode.AUTO, null);
    assertThat(clsact.errors()).isEmpty();
  }

  @Test
  void withoutPerCpuHashFlowValuesAreShared() {
    KernelCheck k = check(missing(Feature.PERCPU_HASH));
    assertThat(k.valueMode()).isEqualTo(ValueMode.SHARED);
    assertThat(k.errors())
        .containsExactly(
            "kernel feature missing: percpu_hash (needs Linux >= 4.6; flow values shared)");
  }

  @Test
  void withoutBtfNoTcpHealthAndOneMessage() {
    KernelCheck k =
        check(
            new Check(Feature.BTF, State.MISSING, "/sys/kernel/btf/vmlinux absent"),
            new Check(Feature.TP_BTF, State.MISSING, "on inet_sock_set_state: No such process"));
    assertThat(k.tcpHealth()).isFalse();
    assertThat(k.flows()).isTrue();
    assertThat(k.errors())
        .containsExactly(
            "kernel feature missing: BTF (/sys/kernel/btf/vmlinux absent; needs Linux >= 5.4):"
                + " TCP health and drops not measured");
  }

  @Test
  void aRefusedProbeNamesTheCapabilities() {
    KernelCheck k =
        check(
            new Check(
                Feature.TP_BTF, State.DENIED, "on inet_sock_set_state: Operation not permitted"));
    assertThat(k.tcpHealth()).isFalse();
    assertThat(k.errors())
        .containsExactly(
            "kernel feature not permitted: tp_btf (on inet_sock_set_state: Operation not"
                + " permitted; needs CAP_BPF and CAP_PERFMON): TCP health and drops not measured");
  }

  @Test
  void withoutAFlowProgramTypeNothingIsMeasured() {
    KernelCheck k = check(missing(Feature.CGROUP_SKB), missing(Feature.COARSE_CLOCK));
    assertThat(k.flows()).isFalse();
    assertThat(k.errors())
        .containsExactly(
            "kernel feature missing: cgroup_skb (needs Linux >= 4.10): flows not measured",
            "kernel feature missing: bpf_ktime_get_coarse_ns (needs Linux >= 5.11): flows not"
                + " measured");
  }

  @Test
  void withoutCgroupV2OnlyVethsAreMeasured() {
    KernelCheck k =
        KernelCheck.of(
            KernelFeatures.of(List.of()),
            TcMode.AUTO,
            ValueMode.AUTO,
            "no cgroup2 mount in /proc/self/mountinfo");
    assertThat(k.cgroups()).isFalse();
    assertThat(k.flows()).isTrue();
    assertThat(k.errors())
        .containsExactly(
            "kernel feature missing: cgroup2 (no cgroup2 mount in /proc/self/mountinfo; needs"
                + " Linux >= 4.5): pods' socket traffic (cgroup_skb) not measured, only their"
                + " veths (TC)");
  }

  @Test
  void bpffsIsNeverAnError() {
    assertThat(check(missing(Feature.BPFFS)).errors()).isEmpty();
  }
}
