package io.trafficmonitor.trafficgen;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The subset of TOML that a generator's configuration needs: {@code key = value} lines whose value
 * is a string ({@code "basic"} or {@code 'literal'}), a decimal integer, a float or a boolean;
 * {@code [table]} headers; {@code #} comments. Everything else TOML has (arrays, inline tables,
 * dotted or quoted keys, dates, multi-line strings) is refused with the line that holds it.
 */
final class Toml {
  private Toml() {}

  /** A value and the line it was on: a String, Long, Double or Boolean. */
  record Value(Object value, int line) {
    /** The value as the generator's flags spell it: 1.5e6 becomes 1500000. */
    String text() {
      return value instanceof Double d
          ? BigDecimal.valueOf(d).stripTrailingZeros().toPlainString()
          : value.toString();
    }

    /** "a string", "an integer", "a float" or "a boolean", for messages. */
    String type() {
      if (value instanceof String) {
        return "a string";
      }
      if (value instanceof Long) {
        return "an integer";
      }
      return value instanceof Double ? "a float" : "a boolean";
    }
  }

  private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern INTEGER = Pattern.compile("[+-]?(0|[1-9](_?[0-9])*)");
  private static final Pattern FLOAT =
      Pattern.compile("[+-]?(0|[1-9](_?[0-9])*)(\\.[0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?");

  /** A table: the line of its header (0 for the top level) and its keys in file order. */
  record Table(int line, Map<String, Value> values) {}

  /**
   * Parses {@code text}; the result maps each table name ("" for the top level, before any header)
   * to its table, in file order. Errors are IllegalArgumentExceptions that start with {@code
   * source:line:}.
   */
  static Map<String, Table> parse(String text, String source) {
    Map<String, Table> tables = new LinkedHashMap<>();
    Map<String, Value> table = new LinkedHashMap<>();
    tables.put("", new Table(0, table));
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Line l = new Line(lines[i], source + ":" + (i + 1));
      l.skipSpace();
      if (l.atEnd()) {
        continue;
      }
      if (l.peek() == '[') {
        String name = l.header();
        if (tables.containsKey(name)) {
          throw l.error("table [" + name + "] appears twice");
        }
        table = new LinkedHashMap<>();
        tables.put(name, new Table(i + 1, table));
        continue;
      }
      String key = l.key();
      Value v = new Value(l.value(), i + 1);
      Value before = table.putIfAbsent(key, v);
      if (before != null) {
        throw l.error(key + " is already set on line " + before.line());
      }
    }
    return tables;
  }

  /** One line being read, left to right. */
  private static final class Line {
    private final String s;
    private final String where;
    private int pos;

    Line(String s, String where) {
      this.s = s;
      this.where = where;
    }

    IllegalArgumentException error(String message) {
      return new IllegalArgumentException(where + ": " + message);
    }

    char peek() {
      return s.charAt(pos);
    }

    boolean atEnd() {
      return pos >= s.length() || s.charAt(pos) == '#';
    }

    void skipSpace() {
      while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
        pos++;
      }
    }

    /** Only blanks or a comment may follow what was read. */
    void end(String what) {
      skipSpace();
      if (!atEnd()) {
        throw error("unexpected '" + s.substring(pos).strip() + "' after " + what);
      }
    }

    String header() {
      if (s.startsWith("[[", pos)) {
        throw error("arrays of tables ([[...]]) are not supported");
      }
      int close = s.indexOf(']', pos);
      if (close < 0) {
        throw error("a table header needs its closing ]");
      }
      String name = s.substring(pos + 1, close).strip();
      if (!BARE_KEY.matcher(name).matches()) {
        throw error("a table name is a bare key (letters, digits, - and _), not '" + name + "'");
      }
      pos = close + 1;
      end("[" + name + "]");
      return name;
    }

    String key() {
      int eq = s.indexOf('=', pos);
      if (eq < 0) {
        throw error("expected key = value or [table]");
      }
      String key = s.substring(pos, eq).strip();
      if (!BARE_KEY.matcher(key).matches()) {
        throw error(
            "a key is a bare key (letters, digits, - and _; no dots, no quotes), not '"
                + key
                + "'");
      }
      pos = eq + 1;
      skipSpace();
      if (atEnd()) {
        throw error(key + " has no value");
      }
      return key;
    }

    Object value() {
      char c = peek();
      if (c == '"' || c == '\'') {
        if (s.startsWith(String.valueOf(c).repeat(3), pos)) {
          throw error("multi-line strings are not supported");
        }
        String v = c == '"' ? basicString() : literalString();
        end("the string");
        return v;
      }
      if (c == '[' || c == '{') {
        throw error((c == '[' ? "arrays" : "inline tables") + " are not supported");
      }
      int start = pos;
      while (pos < s.length() && " \t#".indexOf(s.charAt(pos)) < 0) {
        pos++;
      }
      String word = s.substring(start, pos);
      end(word);
      if (word.equals("true") || word.equals("false")) {
        return Boolean.valueOf(word);
      }
      String digits = word.replace("_", "");
      if (INTEGER.matcher(word).matches()) {
        try {
          return Long.valueOf(digits);
        } catch (NumberFormatException e) {
          throw error(word + " does not fit in 64 bits");
        }
      }
      if (FLOAT.matcher(word).matches()) {
        return Double.valueOf(digits);
      }
      throw error(
          "'"
              + word
              + "' is not a string, decimal integer, float or boolean (strings take quotes: \""
              + word
              + "\")");
    }

    private String literalString() {
      int close = s.indexOf('\'', pos + 1);
      if (close < 0) {
        throw error("a string needs its closing '");
      }
      String v = s.substring(pos + 1, close);
      pos = close + 1;
      return v;
    }

    private String basicString() {
      StringBuilder b = new StringBuilder();
      pos++;
      while (true) {
        if (pos >= s.length()) {
          throw error("a string needs its closing \"");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return b.toString();
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("a string needs its closing \"");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case 'b' -> b.append('\b');
          case 't' -> b.append('\t');
          case 'n' -> b.append('\n');
          case 'f' -> b.append('\f');
          case 'r' -> b.append('\r');
          case '"' -> b.append('"');
          case '\\' -> b.append('\\');
          case 'u', 'U' -> b.appendCodePoint(unicode(e == 'u' ? 4 : 8));
          default -> throw error("unknown escape \\" + e + " in a string");
        }
      }
    }

    private int unicode(int digits) {
      if (pos + digits > s.length()) {
        throw error("a \\u escape needs " + digits + " hex digits");
      }
      try {
        int cp = Integer.parseUnsignedInt(s.substring(pos, pos + digits), 16);
        pos += digits;
        if (!Character.isValidCodePoint(cp)) {
          throw new NumberFormatException();
        }
        return cp;
      } catch (NumberFormatException e) {
        throw error("a \\u escape needs " + digits + " hex digits of a Unicode scalar value");
      }
    }
  }
}
