package io.trafficmonitor.agent.spec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Names flows by application from their ports: the well-known HTTP (80/TCP), HTTPS (443/TCP) and
 * DNS (53/TCP and UDP), extended and overridden by spec.applications. The server side decides: the
 * destination port is looked up first, then the source port (a reply); a protocol-specific entry
 * wins over one for both protocols.
 */
public final class Applications {
  /** One name for a port; protocol 6 (TCP), 17 (UDP) or 0 for both. */
  public record Entry(String name, int port, int protocol) {}

  private static final List<Entry> WELL_KNOWN =
      List.of(
          new Entry("HTTP", 80, 6),
          new Entry("HTTPS", 443, 6),
          new Entry("DNS", 53, 6),
          new Entry("DNS", 53, 17));

  public static final Applications DEFAULTS = new Applications(List.of());

  private final Map<Long, String> names = new HashMap<>();

  /** The well-known names plus {@code extra}, which win for the same port and protocol. */
  public Applications(List<Entry> extra) {
    for (Entry e : WELL_KNOWN) {
      names.put(key(e.protocol(), e.port()), e.name());
    }
    for (Entry e : extra) {
      if (e.protocol() == 0) { // both protocols: replaces the well-known names of this port too
        names.remove(key(6, e.port()));
        names.remove(key(17, e.port()));
      }
      names.put(key(e.protocol(), e.port()), e.name());
    }
  }

  /** The application of a flow, or "" when neither port is known. */
  public String name(int protocol, int sourcePort, int destinationPort) {
    String n = lookup(protocol, destinationPort);
    return n != null ? n : (n = lookup(protocol, sourcePort)) != null ? n : "";
  }

  private String lookup(int protocol, int port) {
    String n = names.get(key(protocol, port));
    return n != null ? n : names.get(key(0, port));
  }

  private static long key(int protocol, int port) {
    return ((long) protocol << 16) | port;
  }
}
