package io.trafficmonitor.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IpPrefixTest {

  @Test
  void ipv4PrefixesClearHostBitsAndReadBack() {
    IpPrefix p = IpPrefix.of(false, 0, 0x0a01_0203L, 16);
    assertThat(p.toString()).isEqualTo("10.1.0.0/16");
    assertThat(IpPrefix.parse("10.1.0.0/16")).isEqualTo(p);
    assertThat(IpPrefix.parse("10.1.2.3/32").truncate(8).toString()).isEqualTo("10.0.0.0/8");
    assertThat(p.contains(IpPrefix.parse("10.1.200.7/32"))).isTrue();
    assertThat(p.contains(IpPrefix.parse("10.2.0.0/24"))).isFalse();
    assertThat(p.contains(IpPrefix.parse("10.0.0.0/8"))).isFalse();
  }

  @Test
  void ipv6IsSpeltAsRfc5952() {
    IpPrefix p = IpPrefix.parse("2001:0db8:0000:0000:0000:0000:0000:0001/128");
    assertThat(p.toString()).isEqualTo("2001:db8::1/128");
    assertThat(p.truncate(32).toString()).isEqualTo("2001:db8::/32");
    assertThat(p.truncate(64).toString()).isEqualTo("2001:db8::/64");
    assertThat(IpPrefix.parse("::/0").toString()).isEqualTo("::/0");
    assertThat(IpPrefix.parse("fd00:1:0:0:1:0:0:0/128").toString()).isEqualTo("fd00:1:0:0:1::/128");
    assertThat(IpPrefix.parse("1:0:0:2:0:0:0:3/128").toString()).isEqualTo("1:0:0:2::3/128");
    assertThat(IpPrefix.parse("1:2:3:4:5:6:7:0/128").toString()).isEqualTo("1:2:3:4:5:6:7:0/128");
    assertThat(IpPrefix.parse("2001:db8::/32").truncate(16).contains(p)).isTrue();
    assertThat(IpPrefix.parse("2001:db8::/32").contains(IpPrefix.parse("10.0.0.0/8"))).isFalse();
  }

  @Test
  void refusesWhatIsNotAPrefix() {
    assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IpPrefix.parse("10.0.0/8"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0/33"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
