package io.trafficmonitor.datapath.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.trafficmonitor.bpf.Direction;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilterEncoderTest {
  private static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
  }

  @Test
  void emptySetEncodesToNoRules() {
    assertEquals(0, FilterEncoder.encode(List.of()).size());
  }

  @Test
  void ruleFieldsLandWhereTheKernelReadsThem() {
    FilterRule r =
        FilterRule.builder()
            .source("10.0.0.0/8")
            .destinationPort("22")
            .port("8000-8100")
            .protocol(6)
            .protocol(132)
            .direction(Direction.EGRESS)
            .kind(TargetKind.CGROUP)
            .build();
    List<byte[]> out = FilterEncoder.encode(List.of(r));
    assertEquals(1, out.size());
    ByteBuffer b = le(out.get(0));
    assertEquals(FlowLayout.RULE_SIZE, out.get(0).length);
    byte[] src = new byte[16];
    b.get(FlowLayout.RULE_SRC, src);
    assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 10, 0, 0, 0}, src);
    byte[] mask = new byte[16];
    b.get(FlowLayout.RULE_SRC_MASK, mask);
    assertArrayEquals(
        new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0}, mask);
    assertEquals(0, b.getLong(FlowLayout.RULE_DST_MASK));
    assertEquals(0, b.get(FlowLayout.RULE_N_SPORTS));
    assertEquals(1, b.get(FlowLayout.RULE_N_DPORTS));
    assertEquals(22, b.getShort(FlowLayout.RULE_DPORTS));
    assertEquals(22, b.getShort(FlowLayout.RULE_DPORTS + 2));
    assertEquals(1, b.get(FlowLayout.RULE_N_PORTS));
    assertEquals(8000, b.getShort(FlowLayout.RULE_PORTS));
    assertEquals(8100, b.getShort(FlowLayout.RULE_PORTS + 2));
    assertEquals(4, b.get(FlowLayout.RULE_FAMILY));
    assertEquals(2, b.get(FlowLayout.RULE_DIRECTIONS));
    assertEquals(4, b.get(FlowLayout.RULE_KINDS));
    assertEquals(1L << 6, b.getLong(FlowLayout.RULE_PROTOCOLS));
    assertEquals(1L << (132 - 128), b.getLong(FlowLayout.RULE_PROTOCOLS + 16));
  }

  @Test
  void listsExpandIntoAnOrOfKernelRules() {
    FilterRule r =
        FilterRule.builder()
            .source("10.0.0.0/8")
            .source("192.168.0.0/16")
            .destination("10.1.0.0/16")
            .port("1")
            .port("2")
            .port("3")
            .port("4")
            .port("5")
            .build();
    assertEquals(2 * 1 * 2, FilterEncoder.encode(List.of(r)).size());
  }

  @Test
  void mixedFamiliesNeverMatchButNeverMeanEverything() {
    FilterRule r = FilterRule.builder().source("10.0.0.0/8").destination("fd00::/8").build();
    List<byte[]> out = FilterEncoder.encode(List.of(r));
    assertEquals(1, out.size());
    assertEquals((byte) FilterEncoder.NEVER_KIND, out.get(0)[FlowLayout.RULE_KINDS]);
  }

  @Test
  void tooManyKernelRulesAreRefused() {
    FilterRule.Builder b = FilterRule.builder();
    for (int i = 0; i < 17; i++) {
      b.source("10." + i + ".0.0/16");
    }
    assertThrows(IllegalArgumentException.class, () -> FilterEncoder.encode(List.of(b.build())));
  }

  @Test
  void cidrAndPortParsing() {
    Cidr c = Cidr.parse("fd00:1::5/32");
    assertEquals(6, c.family());
    assertEquals(32, c.prefix());
    assertEquals("fd00:1:0:0:0:0:0:0/32", c.toString());
    assertEquals("10.1.2.0/24", Cidr.parse("10.1.2.3/24").toString());
    assertEquals("10.1.2.3/32", Cidr.parse("10.1.2.3").toString());
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8"));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
    assertEquals(new PortRange(8000, 8100), PortRange.parse(" 8000-8100 "));
    assertThrows(IllegalArgumentException.class, () -> PortRange.parse("9-1"));
    assertThrows(IllegalArgumentException.class, () -> PortRange.parse("70000"));
    assertEquals(5, SizeHistogram.bucketOf(1500)); // [1024, 2048)
    assertEquals(0, SizeHistogram.bucketOf(1));
    assertEquals(0, SizeHistogram.bucketOf(63));
    assertEquals(1, SizeHistogram.bucketOf(64));
    assertEquals(7, SizeHistogram.bucketOf(4096));
    assertEquals(7, SizeHistogram.bucketOf(65535));
    assertEquals(128, SizeHistogram.upperBound(1));
  }
}
