package io.trafficmonitor.agent.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GlobTest {
  @Test
  void literalNamesMatchOnlyThemselves() {
    assertThat(Glob.compile("eth0").matches("eth0")).isTrue();
    assertThat(Glob.compile("eth0").matches("eth01")).isFalse();
    assertThat(Glob.compile("eth.0").matches("eth00")).isFalse();
  }

  @Test
  void starAndQuestionMark() {
    assertThat(Glob.compile("ens*").matches("ens3")).isTrue();
    assertThat(Glob.compile("ens*").matches("ens")).isTrue();
    assertThat(Glob.compile("ens*").matches("eth0")).isFalse();
    assertThat(Glob.compile("eth?").matches("eth1")).isTrue();
    assertThat(Glob.compile("eth?").matches("eth10")).isFalse();
  }

  @Test
  void bracketsAndNegation() {
    Glob g = Glob.compile("eth[0-3]");
    assertThat(g.matches("eth2")).isTrue();
    assertThat(g.matches("eth4")).isFalse();
    Glob n = Glob.compile("eth[!0-3]");
    assertThat(n.matches("eth4")).isTrue();
    assertThat(n.matches("eth1")).isFalse();
    assertThat(Glob.compile("a[").matches("a[")).isTrue();
  }
}
