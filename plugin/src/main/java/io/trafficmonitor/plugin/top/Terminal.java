package io.trafficmonitor.plugin.top;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntConsumer;

/**
 * The user's terminal for the live {@code top}: keys one at a time without Enter or echo ({@code
 * stty -icanon -echo min 0} on /dev/tty, as top(1) does), the alternate screen, and all of it put
 * back at exit, Ctrl-C included (a shutdown hook). Frames are drawn from the top-left corner over
 * the last one (no clear, so no flicker).
 */
final class Terminal implements AutoCloseable {
  private static final String ALT_SCREEN_ON = "\033[?1049h\033[?25l";
  private static final String ALT_SCREEN_OFF = "\033[?25h\033[?1049l";

  private final PrintStream out;
  private final String saved;
  private final Thread restore;
  private boolean closed;
  private int[] size;
  private long sizeRead;

  private Terminal(PrintStream out, String saved) {
    this.out = out;
    this.saved = saved;
    this.restore = new Thread(this::restoreNow, "restore-terminal");
    Runtime.getRuntime().addShutdownHook(restore);
  }

  /** Whether stdin and stdout are a terminal (not a pipe, a file or a test). */
  static boolean available() {
    return System.console() != null;
  }

  /** Puts the terminal in key-at-a-time mode; {@link #close} restores it. */
  static Terminal open(PrintStream out) throws IOException {
    String saved = stty("-g").strip();
    stty("-icanon -echo min 0");
    out.print(ALT_SCREEN_ON);
    out.flush();
    return new Terminal(out, saved);
  }

  /**
   * {rows, columns} of the terminal, read again at most once a second (it runs stty); {24, 80} when
   * it cannot be read.
   */
  int[] size() {
    long now = System.nanoTime();
    if (size == null || now - sizeRead > 1_000_000_000L) {
      sizeRead = now;
      try {
        String[] rc = stty("size").strip().split("\\s+");
        size = new int[] {Integer.parseInt(rc[0]), Integer.parseInt(rc[1])};
      } catch (IOException | RuntimeException e) {
        size = new int[] {24, 80};
      }
    }
    return size;
  }

  /** Draws {@code lines} over the last frame. */
  void draw(Iterable<String> lines) {
    StringBuilder s = new StringBuilder("\033[H");
    for (String l : lines) {
      s.append(l).append("\033[K\n");
    }
    s.append("\033[J");
    out.print(s);
    out.flush();
  }

  /** Reads keys on a daemon thread, each byte to {@code onKey}, until the terminal is closed. */
  void readKeys(IntConsumer onKey) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = new FileInputStream("/dev/tty")) {
                byte[] buf = new byte[64];
                while (!isClosed()) {
                  int n = in.read(buf);
                  if (n <= 0) {
                    Thread.sleep(20); // min 0: read returns at once when no key is waiting
                    continue;
                  }
                  for (int i = 0; i < n; i++) {
                    onKey.accept(buf[i] & 0xff);
                  }
                }
              } catch (IOException | InterruptedException e) {
                // the terminal went away: q and Ctrl-C still end top
              }
            },
            "keys");
    t.setDaemon(true);
    t.start();
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    restoreNow();
    try {
      Runtime.getRuntime().removeShutdownHook(restore);
    } catch (IllegalStateException e) {
      // shutting down: the hook runs anyway
    }
  }

  private synchronized void restoreNow() {
    if (closed) {
      return;
    }
    closed = true;
    out.print(ALT_SCREEN_OFF);
    out.flush();
    try {
      stty(saved);
    } catch (IOException e) {
      System.err.println("could not restore the terminal (run: stty sane): " + e.getMessage());
    }
  }

  private static String stty(String args) throws IOException {
    Process p =
        new ProcessBuilder("sh", "-c", "stty " + args + " < /dev/tty")
            .redirectErrorStream(true)
            .start();
    try {
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IOException("stty " + args + ": " + text.strip());
      }
      return text;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
