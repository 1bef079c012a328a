package io.trafficmonitor.plugin;

import io.trafficmonitor.api.live.IntervalCursor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The command line as kubectl hands it over: everything after {@code kubectl trafficmonitor}
 * (kubectl does not parse a plugin's flags). Flags go anywhere, as {@code --flag value}, {@code
 * --flag=value}, or for the short ones {@code -n value}, {@code -n=value}, {@code -nvalue}; {@code
 * --} ends them. {@link #parse} checks everything it can without a cluster, so that a typo fails at
 * once with a message that names the flag.
 */
public final class Options {

  /** The sort keys of {@code top}. */
  public enum SortKey {
    RX,
    TX,
    NAME,
    PACKETS;

    static SortKey parse(String text) {
      try {
        return valueOf(text.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw PluginException.usage("--sort is one of rx, tx, name, packets; not " + text);
      }
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Map<String, String> SHORT =
      Map.of("n", "namespace", "o", "output", "c", "cluster-monitor", "w", "watch", "h", "help");
  private static final Set<String> SWITCHES =
      Set.of("cluster-monitor", "watch", "help", "once", "reverse");
  private static final Set<String> WITH_VALUE =
      Set.of(
          "kubeconfig",
          "context",
          "namespace",
          "as",
          "as-group",
          "output",
          "after",
          "limit",
          "sort",
          "filter",
          "iterations");
  private static final Set<String> FLOWS_ONLY = Set.of("watch", "output", "after", "limit");
  private static final Set<String> TOP_ONLY =
      Set.of("sort", "reverse", "filter", "once", "iterations");

  private String command;
  private String monitor;
  private String kubeconfig;
  private String context;
  private String namespace;
  private String as;
  private final List<String> asGroups = new ArrayList<>();
  private boolean clusterMonitor;
  private boolean watch;
  private String output = "wide";
  private String after;
  private long limit;
  private SortKey sort = SortKey.RX;
  private boolean reverse;
  private String filter = "";
  private int iterations;
  private boolean help;

  private Options() {}

  /**
   * Reads the arguments.
   *
   * @throws PluginException (usage) naming what is wrong
   */
  public static Options parse(String... args) {
    Options o = new Options();
    List<String> positional = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    boolean flags = true;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!flags || !arg.startsWith("-") || arg.equals("-")) {
        positional.add(arg);
        continue;
      }
      if (arg.equals("--")) {
        flags = false;
        continue;
      }
      String name;
      String value = null;
      if (arg.startsWith("--")) {
        int eq = arg.indexOf('=');
        name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
        value = eq < 0 ? null : arg.substring(eq + 1);
      } else {
        String shortName = arg.substring(1, 2);
        name = SHORT.get(shortName);
        if (name == null) {
          throw PluginException.usage("unknown flag " + arg + " (see --help)");
        }
        String rest = arg.substring(2);
        value = rest.isEmpty() ? null : rest.startsWith("=") ? rest.substring(1) : rest;
      }
      if (SWITCHES.contains(name)) {
        if (value != null) {
          throw PluginException.usage("--" + name + " takes no value");
        }
      } else if (WITH_VALUE.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.length) {
            throw PluginException.usage("--" + name + " needs a value");
          }
          value = args[++i];
        }
      } else {
        throw PluginException.usage("unknown flag " + arg + " (see --help)");
      }
      seen.add(name);
      o.set(name, value);
    }
    if (o.help) {
      return o;
    }
    if (positional.isEmpty()) {
      throw PluginException.usage("name a command: top or flows (see --help)");
    }
    o.command = positional.get(0);
    if (o.command.equals("help")) {
      o.help = true;
      return o;
    }
    if (!o.command.equals("top") && !o.command.equals("flows")) {
      throw PluginException.usage("unknown command " + o.command + ": top or flows (see --help)");
    }
    if (positional.size() < 2) {
      throw PluginException.usage(o.command + " needs the name of a monitor");
    }
    if (positional.size() > 2) {
      throw PluginException.usage(
          "one monitor at a time; not also "
              + String.join(" ", positional.subList(2, positional.size())));
    }
    o.monitor = positional.get(1);
    for (String name : seen) {
      Set<String> other = o.command.equals("top") ? FLOWS_ONLY : TOP_ONLY;
      if (other.contains(name)) {
        throw PluginException.usage(
            "--" + name + " is a flag of " + (o.command.equals("top") ? "flows" : "top"));
      }
    }
    if (o.clusterMonitor && o.namespace != null) {
      throw PluginException.usage(
          "a ClusterTrafficMonitor has no namespace: give --cluster-monitor or --namespace");
    }
    return o;
  }

  private void set(String name, String value) {
    switch (name) {
      case "kubeconfig" -> kubeconfig = value;
      case "context" -> context = value;
      case "namespace" -> namespace = value;
      case "as" -> as = value;
      case "as-group" -> asGroups.add(value);
      case "cluster-monitor" -> clusterMonitor = true;
      case "watch" -> watch = true;
      case "help" -> help = true;
      case "once" -> iterations = 1;
      case "reverse" -> reverse = true;
      case "output" -> {
        if (!value.equals("json") && !value.equals("wide")) {
          throw PluginException.usage("-o is json or wide; not " + value);
        }
        output = value;
      }
      case "after" -> {
        try {
          IntervalCursor.parse(value);
        } catch (IllegalArgumentException e) {
          throw PluginException.usage("--after: " + e.getMessage());
        }
        after = value;
      }
      case "limit" -> limit = positive(name, value);
      case "iterations" -> iterations = (int) Math.min(Integer.MAX_VALUE, positive(name, value));
      case "sort" -> sort = SortKey.parse(value);
      case "filter" -> filter = value;
      default -> throw new IllegalStateException("flag without a setter: " + name);
    }
  }

  private static long positive(String name, String value) {
    try {
      long n = Long.parseLong(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // the message below says what is expected
    }
    throw PluginException.usage("--" + name + " is a number above 0; not " + value);
  }

  public String command() {
    return command;
  }

  public String monitorName() {
    return monitor;
  }

  public String kubeconfig() {
    return kubeconfig;
  }

  public String context() {
    return context;
  }

  /** The namespace given with -n, or null: then the context's. */
  public String namespace() {
    return namespace;
  }

  public String as() {
    return as;
  }

  public List<String> asGroups() {
    return List.copyOf(asGroups);
  }

  public boolean clusterMonitor() {
    return clusterMonitor;
  }

  public boolean watch() {
    return watch;
  }

  public String output() {
    return output;
  }

  /** The cursor given with --after, or null: from the oldest record each node keeps. */
  public String after() {
    return after;
  }

  /** How many records flows prints before it exits; 0: no limit. */
  public long limit() {
    return limit;
  }

  public SortKey sort() {
    return sort;
  }

  public boolean reverse() {
    return reverse;
  }

  public String filter() {
    return filter;
  }

  /** How many frames top renders as plain text before it exits; 0: until q (a terminal). */
  public int iterations() {
    return iterations;
  }

  public boolean help() {
    return help;
  }
}
