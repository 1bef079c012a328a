package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinksTest {
  @Test
  void parsesIpJsonLinkOutput() {
    String json =
        "[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\"],\"mtu\":65536},"
            + "{\"ifindex\":2,\"link_index\":7,\"ifname\":\"eth0\",\"mtu\":1500,"
            + "\"link_netnsid\":0,\"link_type\":\"ether\"},"
            + "{\"ifindex\":3,\"link\":null,\"ifname\":\"dummy0\"}]";
    List<Links.Link> links = Links.parse(json);
    assertThat(links)
        .containsExactly(
            new Links.Link("lo", 1, 0, false),
            new Links.Link("eth0", 2, 7, true),
            new Links.Link("dummy0", 3, 0, false));
  }
}
