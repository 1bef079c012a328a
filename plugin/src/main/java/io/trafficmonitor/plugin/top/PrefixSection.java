package io.trafficmonitor.plugin.top;

import io.trafficmonitor.api.v1alpha1.HeavyPrefix;
import io.trafficmonitor.api.v1alpha1.Summary;
import io.trafficmonitor.plugin.Units;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The HEAVY PREFIXES section of {@link TopScreen}: status.summary.heavyPrefixes (spec.prefixes),
 * largest share first, at most {@link #MAX_PREFIXES} of them; nothing when the summary lists none.
 */
final class PrefixSection {
  static final int MAX_PREFIXES = 10;

  private static final Comparator<HeavyPrefix> LARGEST_FIRST =
      Comparator.comparing((HeavyPrefix p) -> p.getShare() == null ? -1 : p.getShare())
          .thenComparing(p -> p.getBytes() == null ? -1 : p.getBytes())
          .reversed()
          .thenComparing(p -> p.getPrefix() == null ? "" : p.getPrefix());

  private PrefixSection() {}

  /** The section's lines, {@code width} wide at most once cut; empty when there is no prefix. */
  static List<String> lines(Summary s, int width) {
    List<String> lines = new ArrayList<>();
    if (s == null || s.getHeavyPrefixes() == null || s.getHeavyPrefixes().isEmpty()) {
      return lines;
    }
    List<HeavyPrefix> prefixes = new ArrayList<>(s.getHeavyPrefixes());
    prefixes.sort(LARGEST_FIRST);
    int prefixWidth = Math.max(20, width - 13 - 9 - 13);
    String format = "%-13s%-" + prefixWidth + "s%9s%13s";
    lines.add("HEAVY PREFIXES  from status.summary, share of the monitor's bytes (spec.prefixes)");
    lines.add(String.format(Locale.ROOT, format, "DIRECTION", "PREFIX", "SHARE", "BYTES"));
    int shown = Math.min(MAX_PREFIXES, prefixes.size());
    for (HeavyPrefix p : prefixes.subList(0, shown)) {
      lines.add(
          String.format(
              Locale.ROOT,
              format,
              p.getDirection() == null ? "-" : p.getDirection().name().toLowerCase(Locale.ROOT),
              TopScreen.fit(p.getPrefix() == null ? "-" : p.getPrefix(), prefixWidth - 1),
              p.getShare() == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * p.getShare()),
              p.getBytes() == null ? "-" : Units.si(p.getBytes()) + "B"));
    }
    if (shown < prefixes.size()) {
      lines.add("... " + (prefixes.size() - shown) + " more in status.summary.heavyPrefixes");
    }
    return lines;
  }
}
