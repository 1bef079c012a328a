package io.trafficmonitor.trafficgen;

import io.trafficmonitor.trafficgen.Options.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A {@code --config} file: TOML (the subset {@link Toml} reads) whose keys are the flags' names.
 * Keys at the top level apply to both modes, each mode taking those it uses, so that one file can
 * serve a client and its server; keys in {@code [client]} or {@code [server]} apply to that mode
 * only and win over the top level. Flags win over the file. Unknown tables and keys, a key in the
 * other mode's table and a value of the wrong type are errors that name the line.
 */
final class ConfigFile {
  private ConfigFile() {}

  private static final Set<String> STRINGS =
      Set.of("protocol", "target", "listen", "duration", "latency");
  private static final Set<String> BOOLEANS = Set.of("quiet", "insecure");
  private static final Set<String> INTEGERS =
      Set.of("connections", "count", "sequence-offset", "skip-every");

  // the rest (rate, size, response-size, total): an integer, a float or a string with a unit

  /** The settings that {@code file} gives to {@code mode} ("client" or "server"). */
  static Map<String, Setting> read(Path file, String mode) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config " + file + ": " + e);
    }
    Map<String, Toml.Table> tables = Toml.parse(text, file.toString());
    Map<String, Setting> settings = new LinkedHashMap<>();
    for (var t : tables.entrySet()) {
      String table = t.getKey();
      Set<String> allowed = allowed(table);
      if (allowed == null) {
        throw new IllegalArgumentException(
            file
                + ":"
                + t.getValue().line()
                + ": unknown table ["
                + table
                + "]; the tables are [client] and [server]");
      }
      for (var e : t.getValue().values().entrySet()) {
        String key = e.getKey();
        Toml.Value v = e.getValue();
        String where = file + ":" + v.line() + ": " + key;
        check(where, key, v, table, allowed);
        boolean applies =
            table.equals(mode)
                || (table.isEmpty()
                    && (Options.SHARED.contains(key)
                        || (mode.equals("client") ? Options.CLIENT : Options.SERVER)
                            .contains(key)));
        if (applies) { // the top level comes first: a mode's table overrides it
          settings.put(key, new Setting(v.text(), where + " ="));
        }
      }
    }
    return settings;
  }

  /** The keys a table may hold: null for a table that is not one of the generator's. */
  private static Set<String> allowed(String table) {
    Set<String> keys = new TreeSet<>(Options.SHARED);
    switch (table) {
      case "" -> {
        keys.addAll(Options.CLIENT);
        keys.addAll(Options.SERVER);
      }
      case "client" -> keys.addAll(Options.CLIENT);
      case "server" -> keys.addAll(Options.SERVER);
      default -> {
        return null;
      }
    }
    return keys;
  }

  private static void check(
      String where, String key, Toml.Value v, String table, Set<String> allowed) {
    if (!allowed.contains(key)) {
      if (Options.KEYS.contains(key) && !key.equals("config")) {
        String other = table.equals("client") ? "server" : "client";
        throw new IllegalArgumentException(
            where + " is a " + other + " setting: it belongs in [" + other + "] or at the top");
      }
      throw new IllegalArgumentException(where + " is not a setting; known: " + allowed);
    }
    String needs;
    if (STRINGS.contains(key)) {
      needs = v.value() instanceof String ? null : "a string";
    } else if (BOOLEANS.contains(key)) {
      needs = v.value() instanceof Boolean ? null : "true or false";
    } else if (INTEGERS.contains(key)) {
      needs = v.value() instanceof Long ? null : "an integer";
    } else {
      needs = v.value() instanceof Boolean ? "a number or a string with a unit" : null;
    }
    if (needs != null) {
      throw new IllegalArgumentException(where + " needs " + needs + ", not " + v.type());
    }
  }
}
