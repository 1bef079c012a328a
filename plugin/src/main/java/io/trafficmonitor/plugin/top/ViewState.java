package io.trafficmonitor.plugin.top;

import io.trafficmonitor.plugin.Options.SortKey;
import io.trafficmonitor.plugin.top.PodRates.Row;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What the user chose in {@code top}: sort key, order and filter, and the keys that change them:
 * {@code s} cycles the key (rx, tx, name, packets), {@code r} reverses, {@code /} starts a filter
 * (typed characters, Backspace, Enter applies, Esc clears), {@code q} quits. Busiest first is the
 * normal order of the rates; a to z that of name.
 */
public final class ViewState {
  static final int ESC = 27;

  private SortKey sort;
  private boolean reverse;
  private String filter;
  private StringBuilder editing;
  private boolean quit;

  public ViewState(SortKey sort, boolean reverse, String filter) {
    this.sort = sort;
    this.reverse = reverse;
    this.filter = filter == null ? "" : filter;
  }

  /** Takes one key (a byte of the terminal's input); returns whether the view changed. */
  public boolean key(int c) {
    if (editing != null) {
      if (c == '\r' || c == '\n') {
        filter = editing.toString();
        editing = null;
      } else if (c == ESC) {
        filter = "";
        editing = null;
      } else if (c == 127 || c == 8) {
        if (!editing.isEmpty()) {
          editing.setLength(editing.length() - 1);
        }
      } else if (c >= 32 && c < 127) {
        editing.append((char) c);
      } else {
        return false;
      }
      return true;
    }
    switch (c) {
      case 's' -> sort = SortKey.values()[(sort.ordinal() + 1) % SortKey.values().length];
      case 'r' -> reverse = !reverse;
      case '/' -> editing = new StringBuilder();
      case ESC -> filter = "";
      case 'q', 3 -> quit = true;
      default -> {
        return false;
      }
    }
    return true;
  }

  /** The rows that pass the filter, in the chosen order. */
  public List<Row> apply(List<Row> rows) {
    String f = filter.toLowerCase(Locale.ROOT);
    Comparator<Row> order =
        switch (sort) {
          case RX -> Comparator.comparingDouble(Row::rxBits).reversed();
          case TX -> Comparator.comparingDouble(Row::txBits).reversed();
          case PACKETS -> Comparator.comparingDouble(Row::packets).reversed();
          case NAME -> Comparator.comparing(Row::name);
        };
    order = order.thenComparing(Row::name);
    if (reverse) {
      order = order.reversed();
    }
    return rows.stream()
        .filter(r -> f.isEmpty() || r.name().toLowerCase(Locale.ROOT).contains(f))
        .sorted(order)
        .toList();
  }

  public SortKey sort() {
    return sort;
  }

  public boolean reverse() {
    return reverse;
  }

  public String filter() {
    return filter;
  }

  /** The filter being typed, or null when none is. */
  public String editing() {
    return editing == null ? null : editing.toString();
  }

  public boolean quit() {
    return quit;
  }
}
