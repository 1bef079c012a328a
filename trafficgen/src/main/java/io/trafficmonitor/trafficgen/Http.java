package io.trafficmonitor.trafficgen;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/** The little of HTTP/1.1 that the generator speaks: messages with a Content-Length. */
final class Http {
  private Http() {}

  /**
   * Reads one message (head and body), fills {@code headers} when given, and returns the bytes it
   * took from the stream, or -1 at end of stream before a message began.
   */
  static long readMessage(InputStream in, Map<String, String> headers) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last4 = 0;
    while (last4 != 0x0d0a0d0a) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return -1;
        }
        throw new IOException("end of stream inside an HTTP head");
      }
      head.write(b);
      last4 = (last4 << 8) | b;
    }
    long length = 0;
    for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim();
        if (headers != null) {
          headers.put(name, value);
        }
        if (name.equals("content-length")) {
          length = Long.parseLong(value);
        }
      }
    }
    in.skipNBytes(length);
    return head.size() + length;
  }
}
