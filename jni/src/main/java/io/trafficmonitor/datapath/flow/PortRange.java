package io.trafficmonitor.datapath.flow;

/** An inclusive port range; a single port has {@code low == high}. */
public record PortRange(int low, int high) {
  public PortRange {
    if (low < 0 || high > 65535 || low > high) {
      throw new IllegalArgumentException("bad port range " + low + "-" + high);
    }
  }

  /** Parses {@code 80} or {@code 8000-8100}. */
  public static PortRange parse(String text) {
    String t = text.trim();
    int dash = t.indexOf('-');
    try {
      if (dash < 0) {
        int p = Integer.parseInt(t);
        return new PortRange(p, p);
      }
      return new PortRange(
          Integer.parseInt(t.substring(0, dash).trim()),
          Integer.parseInt(t.substring(dash + 1).trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port or port range: " + text, e);
    }
  }

  public boolean contains(int port) {
    return port >= low && port <= high;
  }

  @Override
  public String toString() {
    return low == high ? Integer.toString(low) : low + "-" + high;
  }
}
