package io.trafficmonitor.datapath.flow;

/**
 * Global counters of the datapath, summed over CPUs. {@code mapFull} and {@code errors} are packets
 * lost to visibility; {@code filtered} were excluded on purpose. {@code sequenceFull} counts
 * packets whose sequence number was not tracked (sequence map full), {@code sequenceMissing}
 * packets of the sequence protocol without the pattern or too short to hold a number, {@code
 * jitterFull} packets whose inter-arrival time was not measured (jitter map full). {@code seen} is
 * the sum of the outcomes (accounted, filtered, mapFull, errors, nonIp, truncated, malformed):
 * every packet has exactly one, so the programs do not count it separately.
 */
public record DatapathCounters(
    long seen,
    long accounted,
    long filtered,
    long mapFull,
    long errors,
    long nonIp,
    long truncated,
    long malformed,
    long fragments,
    long sequenceFull,
    long sequenceMissing,
    long jitterFull) {

  static DatapathCounters of(long[] c) {
    long seen = 0;
    for (int i :
        new int[] {
          FlowLayout.C_ACCOUNTED,
          FlowLayout.C_FILTERED,
          FlowLayout.C_MAP_FULL,
          FlowLayout.C_ERRORS,
          FlowLayout.C_NON_IP,
          FlowLayout.C_TRUNCATED,
          FlowLayout.C_MALFORMED
        }) {
      seen += c[i];
    }
    return new DatapathCounters(
        seen, c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]);
  }
}
