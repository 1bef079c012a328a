package io.trafficmonitor.api.live;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a reader of the live API is: the last record it has of each node ({@code node:seq,...},
 * nodes in name order). Each agent numbers its records on its own, so a cursor has one number per
 * node; a node it does not name is read from its oldest kept record.
 */
public final class IntervalCursor {
  private final TreeMap<String, Long> last;

  private IntervalCursor(TreeMap<String, Long> last) {
    this.last = last;
  }

  public static IntervalCursor empty() {
    return new IntervalCursor(new TreeMap<>());
  }

  /**
   * Parses {@code node:seq,node:seq}; null or empty is the empty cursor.
   *
   * @throws IllegalArgumentException when it is not of that form
   */
  public static IntervalCursor parse(String text) {
    TreeMap<String, Long> m = new TreeMap<>();
    if (text != null && !text.isBlank()) {
      for (String part : text.split(",")) {
        int colon = part.lastIndexOf(':');
        if (colon <= 0 || colon == part.length() - 1) {
          throw new IllegalArgumentException(
              "a cursor is node:number,node:number; not " + part.strip());
        }
        long seq;
        try {
          seq = Long.parseLong(part.substring(colon + 1).strip());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("not a record number in the cursor: " + part.strip());
        }
        if (seq < 0) {
          throw new IllegalArgumentException("a record number is not negative: " + part.strip());
        }
        m.put(part.substring(0, colon).strip(), seq);
      }
    }
    return new IntervalCursor(m);
  }

  /** The last record seen of {@code node}, 0 when none. */
  public long after(String node) {
    return last.getOrDefault(node, 0L);
  }

  /** Records of {@code node} up to {@code seq} are seen (a lower number changes nothing). */
  public void advance(String node, long seq) {
    last.merge(node, seq, Math::max);
  }

  public Map<String, Long> nodes() {
    return Collections.unmodifiableMap(last);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    last.forEach(
        (node, seq) -> s.append(s.isEmpty() ? "" : ",").append(node).append(':').append(seq));
    return s.toString();
  }
}
