package io.trafficmonitor.bpf;

import io.trafficmonitor.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/** A benchmark's Markdown: a header naming the machine, lines, and where it goes at the end. */
public final class BenchReport {
  private final StringBuilder md = new StringBuilder();

  /** Starts with the title and the machine: kernel, CPUs, load average now. */
  public BenchReport(String title) {
    Locale.setDefault(Locale.ROOT);
    md.append("# ").append(title).append("\n\n");
    md.append("Run ").append(Instant.now()).append(" on kernel ");
    md.append(Sh.ok("uname -r").trim()).append(", ");
    md.append(Runtime.getRuntime().availableProcessors()).append(" CPUs (");
    md.append(Sh.ok("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").trim()).append("), ");
    md.append("load average at start ").append(Sh.ok("cut -d' ' -f1-3 /proc/loadavg").trim());
  }

  public BenchReport append(String text) {
    md.append(text);
    return this;
  }

  public BenchReport line(String fmt, Object... args) {
    md.append(String.format(fmt, args)).append('\n');
    return this;
  }

  /** Writes the report to args[0] when given, and to stdout. */
  public void finish(String[] args) throws Exception {
    String out = md.toString();
    if (args.length > 0) {
      Files.writeString(Path.of(args[0]), out);
    }
    System.out.print(out);
  }
}
