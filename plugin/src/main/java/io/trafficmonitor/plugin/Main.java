package io.trafficmonitor.plugin;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.trafficmonitor.plugin.flows.FlowsCommand;
import io.trafficmonitor.plugin.live.LiveClient;
import io.trafficmonitor.plugin.top.TopCommand;
import java.io.PrintStream;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code kubectl trafficmonitor} ({@code kubectl tm}): reads the command line, connects as the
 * caller and runs {@code top} or {@code flows}. A failure the user can act on is one line on
 * stderr, "error: ...", and a non-zero exit status; only bugs show a stack trace.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    // Vert.x logs through java.util.logging: warnings only, as slf4j-simple is set
    Logger.getLogger("").setLevel(Level.WARNING);
    int status = run(args, System.out, System.err);
    System.out.flush();
    System.exit(status);
  }

  /** Runs the plugin with {@code args}; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      Options options = Options.parse(args);
      if (options.help()) {
        out.print(Usage.TEXT);
        return 0;
      }
      Config config = Connection.config(options);
      Monitor monitor = Connection.monitor(options, config);
      try (KubernetesClient client = Connection.client(config)) {
        LiveClient live = new LiveClient(client, monitor);
        return switch (options.command()) {
          case "flows" -> new FlowsCommand(options, live, out, err).run();
          case "top" -> new TopCommand(options, client, live, out).run();
          default -> throw new IllegalStateException("parse lets no other command through");
        };
      }
    } catch (PluginException e) {
      out.flush();
      err.println("error: " + e.getMessage());
      return e.exitCode();
    }
  }
}
