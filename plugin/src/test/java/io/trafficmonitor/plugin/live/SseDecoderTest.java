package io.trafficmonitor.plugin.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseDecoderTest {

  @Test
  void anEventSplitAnywhereComesOutWholeOnce() {
    String text = ": hello\n\ndata: {\"node\":\"é-1\"}\n\nevent: x\ndata: a\ndata: b\n\n";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < bytes.length; cut++) {
      SseDecoder d = new SseDecoder();
      List<String> events = new ArrayList<>(d.feed(ByteBuffer.wrap(bytes, 0, cut)));
      events.addAll(d.feed(ByteBuffer.wrap(bytes, cut, bytes.length - cut)));
      assertThat(events).as("cut at %d", cut).containsExactly("{\"node\":\"é-1\"}", "a\nb");
    }
  }

  @Test
  void crlfAndCrEndLinesToo() {
    SseDecoder d = new SseDecoder();
    assertThat(
            d.feed(ByteBuffer.wrap("data:1\r\n\r\ndata: 2\r\r".getBytes(StandardCharsets.UTF_8))))
        .containsExactly("1", "2");
  }

  @Test
  void anUnfinishedEventWaits() {
    SseDecoder d = new SseDecoder();
    assertThat(d.feed(ByteBuffer.wrap("data: 1\n".getBytes(StandardCharsets.UTF_8)))).isEmpty();
    assertThat(d.feed(ByteBuffer.wrap("\n".getBytes(StandardCharsets.UTF_8)))).containsExactly("1");
  }
}
