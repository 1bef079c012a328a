package io.trafficmonitor.plugin.flows;

import io.trafficmonitor.api.live.IntervalCursor;
import io.trafficmonitor.plugin.Options;
import io.trafficmonitor.plugin.live.IntervalFeed;
import io.trafficmonitor.plugin.live.LiveClient;
import io.trafficmonitor.plugin.live.RecordTracker;
import io.trafficmonitor.plugin.live.RecordTracker.Seen;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code flows MONITOR}: the monitor's records for scripts. Without --watch one poll prints what
 * the agents keep after --after; with it the stream is followed until --limit records or Ctrl-C.
 * Either way the cursor after the last record printed goes to stderr at exit ({@code cursor: ...}),
 * so that the next run can go on with {@code --after} without a loss or a repeat.
 */
public final class FlowsCommand {
  private final Options options;
  private final LiveClient live;
  private final PrintStream out;
  private final PrintStream err;
  private final RecordPrinter printer;
  private long printed;
  private volatile String cursor;

  public FlowsCommand(Options options, LiveClient live, PrintStream out, PrintStream err) {
    this.options = options;
    this.live = live;
    this.out = out;
    this.err = err;
    this.printer = RecordPrinter.of(options.output(), live.monitor().shortName(), out);
    this.cursor = options.after() == null ? "" : options.after();
  }

  /** Runs the command; returns the exit status (failures are thrown as PluginException). */
  public int run() {
    RecordTracker tracker = new RecordTracker(IntervalCursor.parse(options.after()));
    IntervalFeed feed = new IntervalFeed(live, tracker, m -> err.println("warning: " + m));
    if (!options.watch()) {
      feed.poll().forEach(this::print);
      printCursor();
      return 0;
    }
    AtomicBoolean done = new AtomicBoolean();
    Thread onExit =
        new Thread(
            () -> {
              if (done.compareAndSet(false, true)) {
                printCursor();
              }
            });
    Runtime.getRuntime().addShutdownHook(onExit);
    boolean failed = true;
    try {
      feed.follow(this::print, this::full);
      failed = false;
    } finally {
      if (done.compareAndSet(false, true)) {
        Runtime.getRuntime().removeShutdownHook(onExit);
        out.flush();
        if (!failed || printed > 0) { // a refusal before any record has no cursor to tell
          printCursor();
        }
      }
    }
    return 0;
  }

  private boolean full() {
    return options.limit() > 0 && printed >= options.limit();
  }

  private void print(Seen s) {
    if (full()) {
      return;
    }
    printer.print(s);
    printed++;
    cursor = s.cursor();
  }

  private void printCursor() {
    err.println("cursor: " + cursor);
    err.flush();
  }
}
