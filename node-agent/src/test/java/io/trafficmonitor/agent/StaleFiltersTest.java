package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StaleFiltersTest {
  @Test
  void findsOurBpfFiltersInTcJson() {
    String json =
        "[{\"protocol\":\"all\",\"pref\":49152,\"kind\":\"bpf\",\"chain\":0},"
            + "{\"protocol\":\"all\",\"pref\":49152,\"kind\":\"bpf\",\"chain\":0,\"options\":"
            + "{\"handle\":\"0x1\",\"bpf_name\":\"tm_tc_ingress:[1265]\",\"direct-action\":true,"
            + "\"not_in_hw\":true,\"prog\":{\"id\":1265,\"name\":\"tm_tc_ingress\","
            + "\"tag\":\"8f96d7b853985933\",\"jited\":1}}},"
            + "{\"protocol\":\"all\",\"pref\":49153,\"kind\":\"bpf\",\"chain\":0,\"options\":"
            + "{\"handle\":\"0x1\",\"bpf_name\":\"cil_from_container\",\"prog\":{\"id\":7}}}]";
    assertThat(StaleFilters.parse("eth0", "ingress", json))
        .containsExactly(new StaleFilters.Filter("eth0", "ingress", 49152, "0x1", 1265));
    assertThat(StaleFilters.parse("eth0", "ingress", "")).isEmpty();
  }
}
