package io.trafficmonitor.plugin.top;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.api.live.IntervalCursor;
import io.trafficmonitor.plugin.Options;
import io.trafficmonitor.plugin.PluginException;
import io.trafficmonitor.plugin.live.IntervalFeed;
import io.trafficmonitor.plugin.live.LiveClient;
import io.trafficmonitor.plugin.live.RecordTracker;
import io.trafficmonitor.plugin.live.RecordTracker.Seen;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code top MONITOR}: on a terminal, a view redrawn at most {@value #FRAMES_PER_SECOND} times a
 * second from the monitor's stream of records (at a 10 ms interval, ten records a node between two
 * frames go into the window), with the status re-read every {@value #STATUS_SECONDS} s; keys change
 * sort and filter. Elsewhere (a pipe, a test) or with --once / --iterations N: N frames of plain
 * text, one a second, each after a poll of the records, then exit.
 */
public final class TopCommand {
  static final int FRAMES_PER_SECOND = 10;
  static final int STATUS_SECONDS = 2;

  /** Rates are over each node's newest records that last this long (or its newest one). */
  static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The width of plain frames. */
  static final int PLAIN_WIDTH = 120;

  private final Options options;
  private final LiveClient live;
  private final PrintStream out;
  private final MonitorReader reader;
  private final PodRates rates = new PodRates(WINDOW_NANOS);
  private final ViewState state;
  private volatile String warning;
  private volatile MonitorReader.Result status;
  private volatile boolean dirty = true;
  private volatile boolean stop;
  private volatile RuntimeException failure;

  public TopCommand(Options options, KubernetesClient client, LiveClient live, PrintStream out) {
    this.options = options;
    this.live = live;
    this.out = out;
    this.reader = new MonitorReader(client, live.monitor());
    this.state = new ViewState(options.sort(), options.reverse(), options.filter());
  }

  public int run() {
    RecordTracker tracker = new RecordTracker(IntervalCursor.empty());
    IntervalFeed feed = new IntervalFeed(live, tracker, w -> warning = w);
    if (options.iterations() > 0 || !Terminal.available()) {
      return plain(feed, Math.max(1, options.iterations()));
    }
    return live(feed);
  }

  private int plain(IntervalFeed feed, int frames) {
    for (int i = 0; i < frames; i++) {
      if (i > 0) {
        sleep(1000);
        out.println();
      }
      feed.poll().forEach(rates::add);
      status = reader.read();
      render(PLAIN_WIDTH, 0).forEach(out::println);
      out.flush();
    }
    return 0;
  }

  private int live(IntervalFeed feed) {
    feed.poll().forEach(rates::add); // the backlog, and a refusal before the screen is taken
    status = reader.read();
    try (Terminal terminal = Terminal.open(out)) {
      terminal.readKeys(this::key);
      start("records", () -> feed.follow(this::add, () -> stop));
      start("status", this::readStatus);
      long lastDraw = 0;
      while (!stop && failure == null) {
        long now = System.nanoTime();
        if (dirty || now - lastDraw > TimeUnit.SECONDS.toNanos(1)) {
          dirty = false;
          lastDraw = now;
          int[] size = terminal.size();
          terminal.draw(render(size[1], size[0]));
        }
        sleep(1000 / FRAMES_PER_SECOND);
        synchronized (state) {
          stop = stop || state.quit();
        }
      }
    } catch (IOException e) {
      throw PluginException.failed(
          "cannot drive the terminal (" + e.getMessage() + "); --once prints plain text");
    } finally {
      stop = true;
    }
    if (failure != null) {
      throw failure;
    }
    return 0;
  }

  private void add(Seen s) {
    synchronized (rates) {
      rates.add(s);
    }
    dirty = true;
  }

  private void key(int c) {
    synchronized (state) {
      if (state.key(c)) {
        dirty = true;
      }
    }
  }

  private void readStatus() {
    while (!stop) {
      sleep(STATUS_SECONDS * 1000L);
      status = reader.read();
      dirty = true;
    }
  }

  private void start(String name, Runnable job) {
    Thread t =
        new Thread(
            () -> {
              try {
                job.run();
              } catch (RuntimeException e) {
                failure = e;
              }
            },
            name);
    t.setDaemon(true);
    t.start();
  }

  /** The frame of now, rendered. */
  List<String> render(int width, int height) {
    Frame f;
    synchronized (rates) {
      synchronized (state) {
        f =
            new Frame(
                live.monitor().shortName(),
                rates.intervalNanos(),
                rates.nodes(),
                rates.coveredNanos(),
                rates.records(),
                rates.total(),
                state.apply(rates.rows()),
                state,
                status == null ? null : status.snapshot(),
                status == null ? null : status.problem(),
                warning,
                Instant.now());
        return TopScreen.render(f, width, height);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PluginException.failed("interrupted");
    }
  }
}
