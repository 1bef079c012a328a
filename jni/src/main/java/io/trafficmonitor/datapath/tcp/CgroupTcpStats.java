package io.trafficmonitor.datapath.tcp;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Cumulative TCP health of one cgroup (counted since {@link TcpHealth} was loaded). Histograms have
 * {@value TcpLayout#HIST_BUCKETS} log2 buckets: bucket i counts values in [2^i, 2^(i+1))
 * microseconds (bucket 0 also 0, the last bucket is open-ended).
 *
 * @param retransmittedSegments segments retransmitted by the cgroup's sockets, SYN-ACKs of its
 *     listeners included: what the kernel adds to TcpRetransSegs
 * @param synAckRetransmits of which SYN-ACK retransmissions
 * @param rttSamples srtt samples (one per segment received on an established socket)
 * @param rttSumMicros sum of the sampled srtt
 * @param openedActive connections established by connect (SYN_SENT to ESTABLISHED)
 * @param openedPassive connections established by accept (SYN_RECV to ESTABLISHED)
 * @param closed connections seen established that reached CLOSE
 * @param durationSumMicros sum of their durations, establishment to close
 * @param stateChanges state changes of the cgroup's TCP sockets
 * @param failedActive connects that failed (SYN_SENT to CLOSE: refused, timed out)
 * @param rttHistogram srtt samples, log2 of microseconds
 * @param durationHistogram connection durations, log2 of microseconds
 * @param window flow-control events and the window scales of the connections established
 */
public record CgroupTcpStats(
    long retransmittedSegments,
    long synAckRetransmits,
    long rttSamples,
    long rttSumMicros,
    long openedActive,
    long openedPassive,
    long closed,
    long durationSumMicros,
    long stateChanges,
    long failedActive,
    long[] rttHistogram,
    long[] durationHistogram,
    WindowStats window) {

  /** Without flow-control figures (none recorded). */
  public CgroupTcpStats(
      long retransmittedSegments,
      long synAckRetransmits,
      long rttSamples,
      long rttSumMicros,
      long openedActive,
      long openedPassive,
      long closed,
      long durationSumMicros,
      long stateChanges,
      long failedActive,
      long[] rttHistogram,
      long[] durationHistogram) {
    this(
        retransmittedSegments,
        synAckRetransmits,
        rttSamples,
        rttSumMicros,
        openedActive,
        openedPassive,
        closed,
        durationSumMicros,
        stateChanges,
        failedActive,
        rttHistogram,
        durationHistogram,
        WindowStats.NONE);
  }

  static CgroupTcpStats decode(ByteBuffer b, int off) {
    long[] rtt = new long[TcpLayout.HIST_BUCKETS];
    long[] dur = new long[TcpLayout.HIST_BUCKETS];
    for (int i = 0; i < TcpLayout.HIST_BUCKETS; i++) {
      rtt[i] = b.getLong(off + TcpLayout.CG_RTT_HIST + 8 * i);
      dur[i] = b.getLong(off + TcpLayout.CG_DURATION_HIST + 8 * i);
    }
    return new CgroupTcpStats(
        b.getLong(off + TcpLayout.CG_RETRANS_SEGS),
        b.getLong(off + TcpLayout.CG_SYNACK_RETRANS),
        b.getLong(off + TcpLayout.CG_RTT_SAMPLES),
        b.getLong(off + TcpLayout.CG_RTT_SUM_US),
        b.getLong(off + TcpLayout.CG_OPENED_ACTIVE),
        b.getLong(off + TcpLayout.CG_OPENED_PASSIVE),
        b.getLong(off + TcpLayout.CG_CLOSED),
        b.getLong(off + TcpLayout.CG_DURATION_SUM_US),
        b.getLong(off + TcpLayout.CG_STATE_CHANGES),
        b.getLong(off + TcpLayout.CG_FAILED_ACTIVE),
        rtt,
        dur,
        WindowStats.decode(b, off));
  }

  /** Connections established (active and passive). */
  public long opened() {
    return openedActive + openedPassive;
  }

  /** Connections open now: established since load and not yet closed. */
  public long open() {
    return opened() - closed;
  }

  /** Mean duration of the closed connections in microseconds (0 when none closed). */
  public double meanDurationMicros() {
    return closed == 0 ? 0 : (double) durationSumMicros / closed;
  }

  /** Mean of the srtt samples in microseconds (0 when none). */
  public double meanRttMicros() {
    return rttSamples == 0 ? 0 : (double) rttSumMicros / rttSamples;
  }

  /** Index of the log2 bucket of a value in microseconds. */
  public static int bucketOf(long micros) {
    if (micros >>> 32 != 0) {
      return TcpLayout.HIST_BUCKETS - 1;
    }
    return micros <= 1 ? 0 : 63 - Long.numberOfLeadingZeros(micros);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CgroupTcpStats s
        && retransmittedSegments == s.retransmittedSegments
        && synAckRetransmits == s.synAckRetransmits
        && rttSamples == s.rttSamples
        && rttSumMicros == s.rttSumMicros
        && openedActive == s.openedActive
        && openedPassive == s.openedPassive
        && closed == s.closed
        && durationSumMicros == s.durationSumMicros
        && stateChanges == s.stateChanges
        && failedActive == s.failedActive
        && Arrays.equals(rttHistogram, s.rttHistogram)
        && Arrays.equals(durationHistogram, s.durationHistogram)
        && window.equals(s.window);
  }

  @Override
  public int hashCode() {
    return 31 * Long.hashCode(retransmittedSegments + 7 * rttSamples + 13 * opened())
        + Arrays.hashCode(rttHistogram);
  }

  @Override
  public String toString() {
    return String.format(
        "CgroupTcpStats[retrans=%d (synack %d), rtt samples=%d mean=%.1fus, opened=%d+%d,"
            + " closed=%d mean=%.1fus, stateChanges=%d, failed=%d, rttHist=%s, durationHist=%s,"
            + " %s]",
        retransmittedSegments,
        synAckRetransmits,
        rttSamples,
        meanRttMicros(),
        openedActive,
        openedPassive,
        closed,
        meanDurationMicros(),
        stateChanges,
        failedActive,
        Arrays.toString(rttHistogram),
        Arrays.toString(durationHistogram),
        window);
  }
}
