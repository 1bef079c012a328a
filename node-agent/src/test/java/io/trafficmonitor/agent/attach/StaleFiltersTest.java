package io.trafficmonitor.agent.attach;

import static org.assertj.core.api.Assertions.assertThat;

import io.trafficmonitor.bpf.Netlink.TcFilter;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StaleFiltersTest {
  static final TcFilter OURS =
      new TcFilter(4, true, 49152, 1, 0xC0000300, "tm_tc_ingress:[1265]", 1265);
  static final TcFilter LIVE =
      new TcFilter(4, false, 49152, 1, 0xC0000300, "tm_tc_egress:[1266]", 1266);
  static final TcFilter CILIUM = new TcFilter(4, true, 1, 1, 0x10300, "cil_from_container", 7);

  @Test
  void onlyOurProgramsAreCandidates() {
    assertThat(StaleFilters.ours(List.of(OURS, CILIUM, LIVE))).containsExactly(OURS, LIVE);
  }

  @Test
  void filtersWhoseProgramAProcessHoldsStay() {
    assertThat(StaleFilters.stale(List.of(OURS, LIVE), Set.of(1266L))).containsExactly(OURS);
    assertThat(StaleFilters.stale(List.of(OURS, LIVE), Set.of(1265L, 1266L))).isEmpty();
  }
}
