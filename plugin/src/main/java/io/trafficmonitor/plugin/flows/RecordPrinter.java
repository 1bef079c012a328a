package io.trafficmonitor.plugin.flows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trafficmonitor.plugin.Units;
import io.trafficmonitor.plugin.live.RecordTracker.Seen;
import java.io.PrintStream;
import java.util.Locale;

/**
 * How {@code flows} prints records: {@code json}, a {@link FlowLine} per line; {@code wide}, a
 * table whose header comes once, before the first record, with columns wide enough for most values
 * (a longer one shifts its line rather than being cut, so that nothing is lost to a script either).
 */
public abstract class RecordPrinter {
  static final String WIDE_FORMAT = "%-20s %8s %-24s %9s %14s %14s %10s %10s %13s %13s%n";

  protected final PrintStream out;

  RecordPrinter(PrintStream out) {
    this.out = out;
  }

  public static RecordPrinter of(String output, String monitor, PrintStream out) {
    return output.equals("json") ? new Json(out, monitor) : new Wide(out);
  }

  public abstract void print(Seen record);

  static final class Json extends RecordPrinter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String monitor;

    Json(PrintStream out, String monitor) {
      super(out);
      this.monitor = monitor;
    }

    @Override
    public void print(Seen record) {
      try {
        out.println(JSON.writeValueAsString(FlowLine.of(monitor, record)));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a FlowLine is always JSON", e);
      }
      out.flush();
    }
  }

  static final class Wide extends RecordPrinter {
    private boolean header;

    Wide(PrintStream out) {
      super(out);
    }

    @Override
    public void print(Seen s) {
      if (!header) {
        out.printf(
            Locale.ROOT,
            WIDE_FORMAT,
            "NODE",
            "SEQ",
            "END",
            "DURATION",
            "RX-BYTES",
            "TX-BYTES",
            "RX-PKTS",
            "TX-PKTS",
            "RX-RATE",
            "TX-RATE");
        header = true;
      }
      var r = s.record();
      out.printf(
          Locale.ROOT,
          WIDE_FORMAT,
          s.report().node(),
          r.seq(),
          Units.end(r.end()),
          Units.duration(r.durationNanos()),
          r.rxBytes(),
          r.txBytes(),
          r.rxPackets(),
          r.txPackets(),
          Units.bits(Units.bitsPerSecond(r.rxBytes(), r.durationNanos())),
          Units.bits(Units.bitsPerSecond(r.txBytes(), r.durationNanos())));
      out.flush();
    }
  }
}
