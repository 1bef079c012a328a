package io.trafficmonitor.plugin.top;

import io.trafficmonitor.api.v1alpha1.Flow;
import io.trafficmonitor.api.v1alpha1.SequenceStatus;
import io.trafficmonitor.api.v1alpha1.Summary;
import io.trafficmonitor.plugin.Units;
import io.trafficmonitor.plugin.top.PodRates.Row;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link Frame} as lines of text at most {@code width} wide: a header (monitor, interval,
 * nodes, total rates, sort and filter), the table of pods and interfaces with their rates over the
 * window, and what the status says (top flows, heavy prefixes when there are any, loss,
 * retransmits, drops, and how old it is). With a {@code height} the pod table is cut to fit the
 * screen; 0 shows every row.
 */
public final class TopScreen {
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
  static final int NUMBERS = 4 * 13;
  private static final int MAX_FLOWS = 10;

  private TopScreen() {}

  public static List<String> render(Frame f, int width, int height) {
    List<String> head = new ArrayList<>();
    String title =
        "kubectl tm top  "
            + f.monitor()
            + "  interval "
            + (f.intervalNanos() > 0 ? Units.duration(f.intervalNanos()) : "?")
            + "  nodes "
            + f.nodes().size()
            + (f.nodes().isEmpty() ? "" : " (" + String.join(", ", f.nodes()) + ")");
    String clock = CLOCK.format(f.now()) + " UTC";
    head.add(pad(title, width - clock.length() - 1) + " " + clock);
    Row t = f.total();
    head.add(
        "RX "
            + Units.bits(t.rxBits())
            + " "
            + Units.si(t.rxPackets())
            + "pkt/s   TX "
            + Units.bits(t.txBits())
            + " "
            + Units.si(t.txPackets())
            + "pkt/s   over the last "
            + Units.duration(f.windowNanos())
            + " of records ("
            + f.records()
            + " read)");
    head.add(controls(f.state()));
    if (f.warning() != null) {
      head.add("! " + f.warning());
    }
    head.add("");
    int nameWidth = Math.max(20, width - NUMBERS);
    head.add(
        String.format(
            Locale.ROOT,
            "%-" + nameWidth + "s%13s%13s%13s%13s",
            "POD / NODE:INTERFACE",
            "RX BIT/S",
            "TX BIT/S",
            "RX PKT/S",
            "TX PKT/S"));

    List<String> tail = status(f, width);
    List<Row> rows = f.rows();
    int room = height <= 0 ? rows.size() : Math.max(1, height - head.size() - tail.size() - 2);
    List<String> body = new ArrayList<>();
    if (rows.isEmpty()) {
      body.add(f.records() == 0 ? "(no records yet)" : "(no pod matches)");
    }
    int shown = rows.size() > room ? room - 1 : rows.size();
    for (Row r : rows.subList(0, Math.max(0, shown))) {
      body.add(
          String.format(
              Locale.ROOT,
              "%-" + nameWidth + "s%13s%13s%13s%13s",
              fit(r.name(), nameWidth - 1),
              Units.bits(r.rxBits()),
              Units.bits(r.txBits()),
              Units.si(r.rxPackets()),
              Units.si(r.txPackets())));
    }
    if (shown < rows.size()) {
      body.add("... " + (rows.size() - shown) + " more (/ filters)");
    }
    List<String> lines = new ArrayList<>(head);
    lines.addAll(body);
    lines.add("");
    lines.addAll(tail);
    return lines.stream().map(l -> fit(l.stripTrailing(), width)).toList();
  }

  private static String controls(ViewState s) {
    if (s.editing() != null) {
      return "filter: " + s.editing() + "_   (Enter applies, Esc clears)";
    }
    String order =
        switch (s.sort()) {
          case NAME -> s.reverse() ? "z to a" : "a to z";
          default -> s.reverse() ? "quietest first" : "busiest first";
        };
    return "sort "
        + s.sort().label()
        + " ("
        + order
        + ")  filter "
        + (s.filter().isEmpty() ? "none" : "\"" + s.filter() + "\"")
        + "   keys: s sort  r reverse  / filter  q quit";
  }

  private static List<String> status(Frame f, int width) {
    List<String> lines = new ArrayList<>();
    StatusSnapshot st = f.status();
    if (st == null) {
      lines.add("STATUS  " + (f.statusProblem() == null ? "not read yet" : f.statusProblem()));
      return lines;
    }
    String every = st.statusInterval() == null ? "10s" : st.statusInterval();
    String age =
        st.written() == null
            ? "not written yet"
            : "written "
                + Units.duration(
                        Math.max(0, Duration.between(st.written(), f.now()).toMillis()) * 1_000_000)
                    .replaceAll("\\.\\d+", "")
                + " ago";
    lines.add("TOP FLOWS  from status.summary, " + age + " (every " + every + ")");
    Summary s = st.summary();
    List<Flow> flows = s == null || s.getTopFlows() == null ? List.of() : s.getTopFlows();
    int podWidth = Math.max(10, width - 24 - 24 - 6 - 7 - 13 - 8);
    String format = "%-24s%-24s%-6s%-7s%-" + podWidth + "s%13s%8s";
    lines.add(
        String.format(
            Locale.ROOT, format, "SOURCE", "DESTINATION", "PROTO", "APP", "POD", "BIT/S", "RETR"));
    if (flows.isEmpty()) {
      lines.add("(none in the status yet)");
    }
    for (Flow fl : flows.subList(0, Math.min(MAX_FLOWS, flows.size()))) {
      lines.add(
          String.format(
              Locale.ROOT,
              format,
              fit(endpoint(fl.getSource(), fl.getSourcePort()), 23),
              fit(endpoint(fl.getDestination(), fl.getDestinationPort()), 23),
              fit(orDash(fl.getProtocol()), 5),
              fit(orDash(fl.getApplication()), 6),
              fit(orDash(fl.getPod()), podWidth - 1),
              fl.getBitsPerSecond() == null ? "-" : Units.bits(fl.getBitsPerSecond()),
              fl.getRetransmits() == null ? "-" : fl.getRetransmits().toString()));
    }
    List<String> prefixes = PrefixSection.lines(s, width);
    if (!prefixes.isEmpty()) {
      lines.add("");
      lines.addAll(prefixes);
    }
    lines.add("");
    lines.add(loss(s));
    return lines;
  }

  static String loss(Summary s) {
    if (s == null) {
      return "LOSS  no summary in the status yet";
    }
    SequenceStatus q = s.getSequence();
    String seq =
        q == null || q.getReceived() == null
            ? "sequence: not measured (spec.sequence)"
            : "sequence: "
                + n(q.getReceived())
                + " received, "
                + n(q.getLost())
                + " lost"
                + (q.getLost() != null && q.getReceived() + q.getLost() > 0
                    ? String.format(
                        Locale.ROOT,
                        " (%.3f%%)",
                        100.0 * q.getLost() / (q.getReceived() + q.getLost()))
                    : "");
    return "LOSS  "
        + seq
        + "   retransmits "
        + n(s.getRetransmits())
        + "   drops "
        + n(s.getDrops())
        + "   TCP open "
        + n(s.getConnectionsOpen())
        + "   flows "
        + n(s.getActiveFlows());
  }

  private static String n(Long v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%,d", v);
  }

  private static String endpoint(String address, Integer port) {
    if (address == null) {
      return "-";
    }
    String a = address.contains(":") ? "[" + address + "]" : address;
    return port == null ? address : a + ":" + port;
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  /** {@code s} cut to {@code n} characters, its last one a "~" when cut. */
  static String fit(String s, int n) {
    return s.length() <= n
        ? s
        : n <= 1 ? s.substring(0, Math.max(0, n)) : s.substring(0, n - 1) + "~";
  }

  private static String pad(String s, int n) {
    String f = fit(s, Math.max(0, n));
    return f + " ".repeat(Math.max(0, n - f.length()));
  }
}
