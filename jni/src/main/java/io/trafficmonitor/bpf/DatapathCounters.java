package io.trafficmonitor.bpf;

/**
 * Global counters of the datapath, summed over CPUs. {@code mapFull} and {@code errors} are packets
 * lost to visibility; {@code filtered} were excluded on purpose. {@code sequenceFull} counts
 * packets whose sequence number was not tracked (sequence map full), {@code sequenceMissing}
 * packets of the sequence protocol without the pattern or too short to hold a number.
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
    long sequenceMissing) {

  static DatapathCounters of(long[] c) {
    return new DatapathCounters(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]);
  }
}
